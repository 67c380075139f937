import i18n from "i18next";
import LanguageDetector from "i18next-browser-languagedetector";
import { initReactI18next } from "react-i18next";
import { en, zhCN } from "./locales";

export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "zh-CN", label: "简体中文" },
] as const;

/** Follows the browser by default; an explicit choice is remembered. */
export function setupI18n(storageKey: string) {
  void i18n
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
      fallbackLng: "en",
      supportedLngs: ["en", "zh-CN"],
      nonExplicitSupportedLngs: false,
      load: "currentOnly",
      detection: {
        order: ["querystring", "localStorage", "navigator"],
        lookupQuerystring: "lang",
        lookupLocalStorage: storageKey,
        caches: ["localStorage"],
        convertDetectedLanguage: (lng: string) => (lng.toLowerCase().startsWith("zh") ? "zh-CN" : "en"),
      },
      interpolation: { escapeValue: false }, // React escapes.
      returnNull: false,
    });
  i18n.on("languageChanged", (lng) => {
    document.documentElement.lang = lng;
  });
  document.documentElement.lang = i18n.resolvedLanguage ?? "en";
  return i18n;
}
