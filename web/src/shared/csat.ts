/**
 * The satisfaction survey's scales, shared by the widget (which asks) and
 * the console (which shows the answer). Every scale answers 1 to 5.
 */

/** Five faces, worst to best, for ratings 1 to 5 (`emoji_5`). */
export const FACES = ["😠", "🙁", "😐", "🙂", "😍"] as const;

/**
 * The question the server stores when an inbox sets none
 * (`kefu_core::model::CSAT_DEFAULT_TEXT`): shown in the visitor's own
 * language instead. An inbox's own wording is shown as written.
 */
export const DEFAULT_CSAT_TEXT = "How would you rate this conversation?";

export type CsatScale = "stars" | "emoji";

/** How a `csat_request` message's `scale` is drawn; anything unknown (and requests from before scales) as stars. */
export function scaleKind(scale: unknown): CsatScale {
  return scale === "emoji_5" || scale === "emoji_3" ? "emoji" : "stars";
}

/** The ratings a request offers: three faces stand for 1, 3 and 5. */
export function scaleValues(scale: unknown): number[] {
  return scale === "emoji_3" ? [1, 3, 5] : [1, 2, 3, 4, 5];
}

/** The face for a rating of 1 to 5. */
export function face(rating: number): string {
  return FACES[Math.min(5, Math.max(1, Math.round(rating))) - 1];
}
