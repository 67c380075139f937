import { format, formatDistanceToNowStrict, isToday } from "date-fns";
import { enUS, zhCN } from "date-fns/locale";
import { toDate, type Timestamp } from "./api";

function locale(lng: string) {
  return lng.startsWith("zh") ? zhCN : enUS;
}

export function formatTime(t: Timestamp, lng: string): string {
  const d = toDate(t);
  return isToday(d) ? format(d, "p", { locale: locale(lng) }) : format(d, "PP p", { locale: locale(lng) });
}

export function formatAgo(t: Timestamp, lng: string): string {
  return formatDistanceToNowStrict(toDate(t), { addSuffix: true, locale: locale(lng) });
}
