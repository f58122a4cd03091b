// The part of plotly.js's API these renderers use (plotly.js-cartesian-dist-min ships no types).
declare module "plotly.js-cartesian-dist-min" {
  export interface PlotlyClickPoint {
    x: number | string;
    y: number | string;
    pointNumber?: number | number[];
  }
  export interface PlotlyClickEvent {
    points: PlotlyClickPoint[];
    /** The mouse event (hover: whether a button is held). */
    event?: MouseEvent;
  }
  export interface PlotlyDiv extends HTMLDivElement {
    on(event: "plotly_click" | "plotly_hover", handler: (ev: PlotlyClickEvent) => void): void;
    removeAllListeners?(event: string): void;
    data?: { [key: string]: unknown }[];
    layout?: { [key: string]: unknown };
  }
  export type Obj = { [key: string]: unknown };
  export interface PlotlyStatic {
    newPlot(div: HTMLElement, data: Obj[], layout?: Obj, config?: Obj): Promise<PlotlyDiv>;
    react(div: HTMLElement, data: Obj[], layout?: Obj, config?: Obj): Promise<PlotlyDiv>;
    restyle(div: HTMLElement, update: Obj, traces?: number[]): Promise<PlotlyDiv>;
    relayout(div: HTMLElement, update: Obj): Promise<PlotlyDiv>;
    purge(div: HTMLElement): void;
    Plots: { resize(div: HTMLElement): Promise<void> | void };
  }
  const Plotly: PlotlyStatic;
  export default Plotly;
}
