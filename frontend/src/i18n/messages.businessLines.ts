/** UI strings of one feature area, merged into messages.ts. zh-CN is the source; en must have every key. */
export const businessLinesZhCN = {
} as const;

export const businessLinesEn: Record<keyof typeof businessLinesZhCN, string> = {
};
