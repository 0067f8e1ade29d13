import { inputsOf, type MeshDefinition, planBuild } from '@retail-mesh/sdk';

export interface LineageNode {
  readonly id: string;
  readonly kind: 'source' | 'data-product';
  readonly domain: string;
  readonly name: string;
  readonly version?: string;
  readonly tier?: string;
  readonly access?: string;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  /** The edge crosses a domain boundary (a versioned package dependency). */
  readonly crossDomain: boolean;
}

export interface Lineage {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** The mesh's lineage: every source and product, and what reads what, in build order. */
export function lineageOf(mesh: MeshDefinition): Lineage {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  for (const s of mesh.sources)
    nodes.set(s.id, { id: s.id, kind: 'source', domain: s.domain.name, name: s.name });
  for (const p of planBuild(mesh.products).order) {
    nodes.set(p.id, {
      id: p.id,
      kind: 'data-product',
      domain: p.domain.name,
      name: p.name,
      version: p.version,
      tier: p.tier,
      access: p.access,
    });
    for (const input of inputsOf(p)) {
      const from = `${input.domain.name}.${input.name}`;
      if (!nodes.has(from)) {
        nodes.set(from, { id: from, kind: input.kind, domain: input.domain.name, name: input.name });
      }
      edges.push({ from, to: p.id, crossDomain: input.domain.name !== p.domain.name });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/** A Mermaid flowchart: a subgraph per domain, sources as cylinders, cross-domain edges thick. */
export function lineageMermaid(lineage: Lineage): string {
  const lines = ['flowchart LR'];
  const domains = [...new Set(lineage.nodes.map((n) => n.domain))];
  for (const domain of domains) {
    lines.push(`  subgraph ${mermaidId(`domain_${domain}`)}["${domain}"]`);
    for (const n of lineage.nodes.filter((n) => n.domain === domain)) {
      lines.push(
        n.kind === 'source'
          ? `    ${mermaidId(n.id)}[("${n.name}")]`
          : `    ${mermaidId(n.id)}(["${n.name} ${n.version ?? ''} · ${n.tier ?? ''}"])`,
      );
    }
    lines.push('  end');
  }
  for (const e of lineage.edges)
    lines.push(`  ${mermaidId(e.from)} ${e.crossDomain ? '==>' : '-->'} ${mermaidId(e.to)}`);
  return `${lines.join('\n')}\n`;
}

/** For people: each product with what it reads, in build order. */
export function lineageText(lineage: Lineage): string {
  const lines: string[] = [];
  for (const n of lineage.nodes.filter((n) => n.kind === 'data-product')) {
    const inputs = lineage.edges.filter((e) => e.to === n.id);
    lines.push(`${n.id} ${n.version} (${n.tier}, ${n.access})`);
    for (const e of inputs) lines.push(`  <- ${e.from}${e.crossDomain ? '  [cross-domain]' : ''}`);
  }
  const cross = lineage.edges.filter((e) => e.crossDomain).length;
  lines.push(
    '',
    `${lineage.nodes.filter((n) => n.kind === 'data-product').length} products, ${lineage.nodes.filter((n) => n.kind === 'source').length} sources, ${lineage.edges.length} edges (${cross} across domains).`,
  );
  return lines.join('\n');
}
