import { defineConfig } from "vite";
import { resolve } from "node:path";

// The embed loader: one small framework-free IIFE served at /sdk.js.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: false,
    lib: {
      entry: resolve(import.meta.dirname, "src/sdk.ts"),
      name: "KefuSdk",
      formats: ["iife"],
      fileName: () => "sdk.js",
    },
  },
});
