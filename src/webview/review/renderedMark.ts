// Marks the first full render of a view on <body> (data-rendered-ms: milliseconds since the page started),
// after the browser has laid it out and painted. The benchmark and the end-to-end test wait on this attribute
// instead of sleeping; it costs one animation frame.
export function renderedMark(tiles: number): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      document.body.dataset.renderedTiles = String(tiles);
      document.body.dataset.renderedMs = performance.now().toFixed(1);
    }, 0),
  );
}
