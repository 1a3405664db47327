/** UI strings of one feature area, merged into messages.ts. zh-CN is the source; en must have every key. */
export const opportunityDetailZhCN = {
} as const;

export const opportunityDetailEn: Record<keyof typeof opportunityDetailZhCN, string> = {
};
