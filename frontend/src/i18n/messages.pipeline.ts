/** UI strings of one feature area, merged into messages.ts. zh-CN is the source; en must have every key. */
export const pipelineZhCN = {
} as const;

export const pipelineEn: Record<keyof typeof pipelineZhCN, string> = {
};
