import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // antd dialogs and selects are slow in jsdom; two workers halve the wall time on the 2-core
    // reference machine (vitest would use one there), and the timeout leaves room for the load
    maxWorkers: 2,
    testTimeout: 30000,
  },
});
