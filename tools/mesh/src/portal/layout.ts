export interface LayoutGraph {
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly domain: string }>;
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

export interface LayoutOptions {
  readonly nodeWidth?: number;
  readonly nodeHeight?: number;
  readonly columnGap?: number;
  readonly rowGap?: number;
  readonly margin?: number;
  /** Barycenter passes, each one down then one up the layers. */
  readonly passes?: number;
}

export interface PlacedNode {
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
  /** Dependency depth: 0 for what reads nothing (sources), then one more than its deepest input. */
  readonly layer: number;
  /** Rank within its layer, top first. */
  readonly order: number;
}

export interface LineageLayout {
  readonly nodes: Record<string, PlacedNode>;
  readonly width: number;
  readonly height: number;
  readonly layers: number;
  readonly nodeWidth: number;
  readonly nodeHeight: number;
}

/**
 * A layered (Sugiyama-style) layout of the lineage: nodes in columns by dependency depth, then
 * ordered within each column by the barycenter of their neighbours, alternately from the inputs
 * and from the readers, which removes most crossings.
 *
 * It must stay self-contained (no imports, no helpers outside its body, no TypeScript-only
 * runtime constructs): the portal ships its source, as compiled, to the browser.
 */
export function layoutLineage(graph: LayoutGraph, options: LayoutOptions = {}): LineageLayout {
  const nodeWidth = options.nodeWidth ?? 210;
  const nodeHeight = options.nodeHeight ?? 36;
  const columnGap = options.columnGap ?? 110;
  const rowGap = options.rowGap ?? 14;
  const margin = options.margin ?? 24;
  const passes = options.passes ?? 6;

  const count = graph.nodes.length;
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const preds: number[][] = graph.nodes.map(() => []);
  const succs: number[][] = graph.nodes.map(() => []);
  for (const e of graph.edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    preds[to]!.push(from);
    succs[from]!.push(to);
  }

  // Longest path from the roots, in topological order (Kahn): every edge goes right.
  const layer = new Array<number>(count).fill(-1);
  const waiting = preds.map((p) => p.length);
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (waiting[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    let depth = 0;
    for (const u of preds[v]!) depth = Math.max(depth, layer[u]! + 1);
    layer[v] = depth;
    for (const w of succs[v]!) if (--waiting[w]! === 0) queue.push(w);
  }
  // A cycle cannot come from a valid mesh; still place its nodes after what they read.
  for (let i = 0; i < count; i++) {
    if (layer[i] !== -1) continue;
    let depth = 0;
    for (const u of preds[i]!) if (layer[u]! >= 0) depth = Math.max(depth, layer[u]! + 1);
    layer[i] = depth;
  }
  let layerCount = 0;
  for (const l of layer) layerCount = Math.max(layerCount, l + 1);

  // Domains first, then names: the starting order keeps a domain's nodes together.
  const columns: number[][] = Array.from({ length: layerCount }, () => []);
  const start = graph.nodes
    .map((_n, i) => i)
    .sort((a, b) => {
      const na = graph.nodes[a]!;
      const nb = graph.nodes[b]!;
      return na.domain < nb.domain
        ? -1
        : na.domain > nb.domain
          ? 1
          : na.id < nb.id
            ? -1
            : na.id > nb.id
              ? 1
              : 0;
    });
  for (const i of start) if (index.get(graph.nodes[i]!.id) === i) columns[layer[i]!]!.push(i);

  // Positions centred on 0 so that columns of different heights compare (edges skip columns).
  const pos = new Array<number>(count).fill(0);
  const place = (column: number[]) => {
    const mid = (column.length - 1) / 2;
    column.forEach((v, k) => {
      pos[v] = k - mid;
    });
  };
  for (const column of columns) place(column);
  const reorder = (column: number[], neighbours: number[][]) => {
    const key = new Map<number, number>();
    for (const v of column) {
      const around = neighbours[v]!;
      if (!around.length) key.set(v, pos[v]!);
      else {
        let sum = 0;
        for (const u of around) sum += pos[u]!;
        key.set(v, sum / around.length);
      }
    }
    // Ties keep the current order, so a pass never shuffles what it has no reason to move.
    const rank = new Map(column.map((v, k) => [v, k] as const));
    column.sort((a, b) => key.get(a)! - key.get(b)! || rank.get(a)! - rank.get(b)!);
    place(column);
  };
  for (let p = 0; p < passes; p++) {
    for (let l = 1; l < layerCount; l++) reorder(columns[l]!, preds);
    for (let l = layerCount - 2; l >= 0; l--) reorder(columns[l]!, succs);
  }

  const tallest = columns.reduce((m, c) => Math.max(m, c.length), 0);
  const half = (tallest - 1) / 2;
  const nodes: Record<string, PlacedNode> = {};
  columns.forEach((column, l) => {
    column.forEach((v, k) => {
      nodes[graph.nodes[v]!.id] = {
        x: margin + l * (nodeWidth + columnGap),
        y: margin + (pos[v]! + half) * (nodeHeight + rowGap),
        layer: l,
        order: k,
      };
    });
  });
  return {
    nodes,
    width: margin * 2 + Math.max(0, layerCount * (nodeWidth + columnGap) - columnGap),
    height: margin * 2 + Math.max(0, tallest * (nodeHeight + rowGap) - rowGap),
    layers: layerCount,
    nodeWidth,
    nodeHeight,
  };
}
