/** UI strings of one feature area, merged into messages.ts. zh-CN is the source; en must have every key. */
export const opportunitiesZhCN = {
} as const;

export const opportunitiesEn: Record<keyof typeof opportunitiesZhCN, string> = {
};
