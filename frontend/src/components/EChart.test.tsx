import { act, render } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

// jsdom has no canvas: the chart instance is a spy, the wrapper's lifecycle is what is tested.
const instance = {
  setOption: vi.fn(),
  resize: vi.fn(),
  dispose: vi.fn(),
  showLoading: vi.fn(),
  hideLoading: vi.fn(),
};
const init = vi.fn((_el: HTMLElement) => instance);

vi.mock("echarts/core", () => ({ init: (el: HTMLElement) => init(el), use: vi.fn() }));

const { EChart } = await import("./EChart");

describe("EChart", () => {
  beforeEach(() => {
    vi.clearAllMocks();
  });

  it("creates the chart in its own div on mount and gives it the option", () => {
    const option = { series: [{ type: "line", data: [1, 2] }] };
    const { getByTestId } = render(<EChart option={option} height={240} data-testid="chart" />);
    const el = getByTestId("chart");
    expect(init).toHaveBeenCalledTimes(1);
    expect(init).toHaveBeenCalledWith(el);
    expect(el).toHaveStyle({ height: "240px", width: "100%" });
    expect(instance.setOption).toHaveBeenCalledWith(option, { notMerge: true });
  });

  it("replaces the option when it changes, without creating a new chart", () => {
    const first = { series: [{ type: "bar", data: [1] }] };
    const second = { series: [{ type: "bar", data: [2] }] };
    const { rerender } = render(<EChart option={first} />);
    rerender(<EChart option={first} />);
    expect(instance.setOption).toHaveBeenCalledTimes(1);
    rerender(<EChart option={second} />);
    expect(instance.setOption).toHaveBeenCalledTimes(2);
    expect(instance.setOption).toHaveBeenLastCalledWith(second, { notMerge: true });
    expect(init).toHaveBeenCalledTimes(1);
  });

  it("resizes with the window and stops listening once disposed on unmount", () => {
    const { unmount } = render(<EChart option={{}} />);
    act(() => {
      window.dispatchEvent(new Event("resize"));
    });
    expect(instance.resize).toHaveBeenCalledTimes(1);
    unmount();
    expect(instance.dispose).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new Event("resize"));
    expect(instance.resize).toHaveBeenCalledTimes(1);
  });

  it("shows and hides the loading mask", () => {
    const { rerender } = render(<EChart option={{}} loading />);
    expect(instance.showLoading).toHaveBeenCalledTimes(1);
    rerender(<EChart option={{}} loading={false} />);
    expect(instance.hideLoading).toHaveBeenCalledTimes(1);
  });
});
