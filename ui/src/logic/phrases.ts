// 常用语: phrases an inspector adds to a description with one tap (one hand, gloves, sunlight).
// Pure: the list and how a phrase joins the text (Chinese comma between parts, no doubles,
// never past the description's 500 characters).

/** The phrases offered under every description, most used first. */
export const COMMON_PHRASES: readonly string[] = [
  '影响通行', '存在安全隐患', '已破损', '缺失', '倾斜', '堆放杂物', '占道经营', '污水外溢', '需尽快处置',
];

/** The description's limit (the editor's counter and the Rust validation). */
export const DESCRIPTION_MAX = 500;

/** `text` with `phrase` appended after a Chinese comma; unchanged when it already ends with the
 *  phrase or the result would pass the limit. */
export function appendPhrase(text: string, phrase: string): string {
  const base = text.trimEnd();
  if (base.endsWith(phrase)) return text;
  const joined = base === '' ? phrase : /[，。、,.;；！!？?]$/.test(base) ? base + phrase : `${base}，${phrase}`;
  return joined.length > DESCRIPTION_MAX ? text : joined;
}
