import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { setupI18n } from "../shared/i18n";
import { Widget } from "./Widget";
import "./widget.css";

setupI18n("kefu.widget.lang");

const inbox = new URLSearchParams(location.search).get("inbox") ?? "";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Widget inboxId={inbox} />
  </StrictMode>,
);
