/** Every help text of the CLI, in one place. */

export const EXIT_CODES = `Exit codes:
  0  success
  1  a product failed to build or its checks failed, a file could not be ingested, or the
     mesh is unhealthy (health)
  2  the command line was wrong (unknown command, flag, name or value; flags that cannot be
     combined; a file or directory named that does not exist or cannot be written)
  3  a definition, mesh.yaml or a mapping file is malformed, or a definition breaks a
     governance policy
  4  the warehouse could not be opened (missing, damaged, not a DuckDB file, locked by
     another process) or refused a statement
Under --json, a non-zero exit prints { "error": { code, message, subject } } on stdout.`;

const GLOBAL = `Global options:
  -t, --target <name>  target of mesh.yaml to run on (default: its defaultTarget, local)
  --config <file>      configuration file (default: mesh.yaml in the working directory)
  --db <file>          DuckDB file of a DuckDB target (default: $MESH_DB or the target's path)
  --json               print machine-readable JSON on stdout instead of tables
  -h, --help           show help`;

export const MAIN_HELP = `mesh: build, test and observe the retail-mesh data products.

Usage: mesh <command> [options]

Commands:
  up        seed sample data if absent, build every product in dependency order, report health
  seed      generate deterministic sample data for every source (inside DuckDB)
  ingest    load CSV or Parquet exports into a source as batches; list, revert, rejects
  sources   every source's key, sync mode and columns: what an export must map onto
  build     build products (all, or the domains/products named) and publish those whose checks pass
  test      check governance policies and run every product's checks on its published table
  health    report the health of every product, domain and the mesh
  cost      chargeback per domain: storage, compute and a share of the platform
  lineage   the graph of sources and products across domains, as text, JSON or Mermaid
  doctor    repair what interrupted work left (staging tables, sources out of step with their log)
  new       scaffold a domain package (listed in mesh.yaml) or a product in one
  plan      write the BigQuery infrastructure as Terraform JSON
  contract  export every product's contract (ODCS v3.1.0, JSON Schema), or diff them with a release
  catalog   write the catalog portal as static files: search, product pages, lineage, trends
  serve     hold the warehouse and build on schedule: portal, /metrics, /health.json; --once
  schedule  when the scheduler builds each product next
  runs      the run log: every build and test, with status, time and rows

Run \`mesh <command> --help\` or \`mesh help <command>\` for a command's options. Global options
may come before the command as well as after it (\`mesh --json health\`).

${GLOBAL}

${EXIT_CODES}`;

export const COMMAND_HELP: Record<string, string> = {
  up: `Usage: mesh up [--scale <n>] [--seed <n>] [--reseed] [--sample <source> ...] [--json]

Sets the mesh up on the local DuckDB warehouse and runs the main job: generates sample
data for sources that have none, builds every product in dependency order (publishing
only those whose blocking checks pass), then reports health.

Sample rows never mix with real data: a source holding ingested rows is never seeded,
and a source is not seeded when another source of its domain, or a source its sample
reads, holds ingested rows (synthetic returns of real orders), unless named with
--sample. Such a source stays empty: optional ones read as empty, the products that
need a required one wait for it.

Options:
  --scale <n>         sample size when data is generated (default 1: 2,000 products)
  --seed <n>          random seed of the sample (default 42)
  --reseed            regenerate sample data even when sources already have sample rows
  --sample <source>   seed this source (domain.source) even beside real data; repeatable

${GLOBAL}`,
  seed: `Usage: mesh seed [domains or sources...] [--scale <n>] [--seed <n>] [--sample <source> ...] [--json]

Replaces the sample rows of every source (or of the named domains' sources) with
deterministic synthetic data generated inside DuckDB: the same seed and scale give the
same rows. Sources holding ingested rows are never touched, and sources beside real data
are refused unless named with --sample (see mesh up --help).

Options:
  --scale <n>         size multiplier (default 1: 2,000 products); fractions allowed
  --seed <n>          random seed (default 42)
  --sample <source>   seed this source even beside real data; repeatable

Exit code 1 when a named source or domain could not be seeded.

${GLOBAL}`,
  build: `Usage: mesh build [names...] [--dry-run] [--full-refresh] [--concurrency <n>] [--json]

Builds products in dependency order across domains, each as soon as the products it reads
are built. A product is written, its checks run in one query, and it is published atomically
only when no blocking check fails: on DuckDB in place, in one transaction with its run record;
on BigQuery through a staging table copied over the published one. A failed product keeps its
previous version and skips its dependents.
Names are domains (product), products (product_inventory) or both (product.product_inventory);
upstream products of those named are built too.

Options:
  --dry-run     build nothing: print the bytes each build would process and its estimated
                cost (BigQuery dry runs; on DuckDB, the size of each product's inputs)
  --concurrency <n>
                build at most n products at once (default and most: the warehouse's limit,
                2 on DuckDB, 8 on BigQuery)
  --full-refresh
                rebuild incremental products whole, instead of only the days whose
                input rows changed since their last build

${GLOBAL}`,
  test: `Usage: mesh test [names...] [--json]

Checks every definition against the governance policies, then runs each product's check
suite on its published table (without rebuilding) and records the results for health.

${GLOBAL}`,
  cost: `Usage: mesh cost [--days <n>] [--json]

Chargeback per domain, per month: storage (GB of the domain's tables x the GB-month rate),
compute (TB its builds processed over the last <n> days, scaled to a month, x the TB rate)
and the fixed platform cost split in proportion to each domain's data volume. Rates come
from the cost section of mesh.yaml (defaults 0.023 per GB-month, 0.50 per TB, 10,000 per month).

Options:
  --days <n>    period of build history to charge (default 30)

${GLOBAL}`,
  ingest: `Usage: mesh ingest <domain>.<source> --from <file or glob> [--map target=source ...]
                   [--set column=value ...] [--mapping <file.yaml>] [--max-rejects <n>]
                   [--format csv|parquet] [--allow-older] [--json]
       mesh ingest --list [domain or source ...]
       mesh ingest --revert <batch>
       mesh ingest --rejects <batch> [--limit <n>]

Loads exports of your own systems into a source. Each file becomes one batch of the
source's append-only log (<domain>.raw_<source>_log: file, sha256, time, user, mapping);
products read the source's current rows (<domain>.raw_<source>), its sync mode applied to
the log: snapshot (the latest batch is the table), upsert (the latest row per key wins),
append (events, deduplicated by key). Re-exporting the same rows in other bytes changes
no figure. Every row is validated against the source's schema (types, required values,
enumerations, well-formed CSV); invalid rows go to <domain>.raw_<source>_rejects with the
batch, the file, the physical line and the reason. A batch is stored whole or not at all.
The same file with the same mapping is ingested once. A source's first real batch
replaces its sample rows. \`mesh sources\` lists every source's key, mode and columns.

Options:
  --from <file|glob>      the file(s) to load, e.g. 'exports/orders-*.csv' (quote globs)
  --map target=source     the file's column for a source column; repeat per column
                          (columns with the same name, ignoring case, map themselves)
  --set column=value      a value for every row of a column the export lacks; repeatable
  --mapping <file.yaml>   renames, constants and value maps kept in a file:
                            rename: { customer_id: CustNo }
                            set: { country: NL }
                            values: { segment: { Home Office: small_business } }
                          (--map and --set given too win over the file)
  --max-rejects <n>       load nothing from a file with more invalid rows than this
  --format csv|parquet    default: from the file extension (CSV otherwise)
  --allow-older           load an export dated (by its name) before the newest one a
                          snapshot or an upsert without a cursor holds, as current: a
                          rollback. Without it such a file is refused: its older rows
                          would override the later export's
  --list                  list batches: file, rows loaded and rejected, when, who, mapping
  --revert <batch>        remove one batch from its source's log, in one transaction; the
                          rows it superseded are current again (mesh build publishes it)
  --rejects <batch>       print a batch's rejected rows (--limit, default 100)

Enumeration values match ignoring case and surrounding spaces and are stored in the
contract's spelling (Consumer -> consumer).

Exit code 1 when a file could not be loaded (unreadable, unmapped, too many rejects).

${GLOBAL}`,
  sources: `Usage: mesh sources [domain or domain.source ...] [--markdown | --json]

Lists the raw sources of the mesh with their columns, types, enumerations and whether
they are required: what a CSV or Parquet export must provide (mapped with --map) for
\`mesh ingest\`. --markdown prints the tables the README carries.

${GLOBAL}`,
  new: `Usage: mesh new domain <name> [--json]
       mesh new product <domain>.<name> [--json]

Creates domains/<name>: a package (package.json, tsconfig, tsup config, README) with its
domain, a source with a sample generator (<name>.events), a product over it
(<name>_daily_totals) and a test that builds the product on DuckDB; and lists it under
domains: in mesh.yaml. It passes governance, builds, tests and is healthy after mesh up as it
is: npx -y pnpm@10.34.9 install && npx -y pnpm@10.34.9 build && npx -y pnpm@10.34.9 mesh up.

new product adds <name> (named <domain>_<entity>) to a domain of mesh.yaml: a product over
its first source with a sample of its own (src/domain.ts and src/sources.ts must export the
domain and the source), its test, and its place in src/index.ts. The domain package must be
built first (its definitions are read).

${GLOBAL}`,
  doctor: `Usage: mesh doctor [--dry-run] [--json]

Finds what interrupted work left in the warehouse, and repairs it:
  - staging tables of builds that did not finish (killed, their process lost): removed.
    Published tables are never touched: a killed build left the previous version or the
    new one. mesh health reports such tables; a build of a product removes its own first.
  - sources whose current rows disagree with their log (a key held twice, keys missing or
    extra), as a crash the database did not recover from cleanly can leave them: rebuilt
    from the log; then the products built from them are rebuilt whole (--full-refresh),
    exit 1 if one could not be. This reads every source's current rows and log: seconds on
    a large warehouse.

Options:
  --dry-run     list them, repair and rebuild nothing

${GLOBAL}`,
  lineage: `Usage: mesh lineage [--json | --mermaid] [--out <dir>]

Prints every product, in build order, with the sources and products it reads; edges that
cross a domain (a versioned package dependency) are marked. --json prints
{ nodes: [{ id, kind, domain, name, version, tier, access }], edges: [{ from, to, crossDomain }] };
--mermaid prints a Mermaid flowchart (a subgraph per domain). --out <dir> also writes
lineage.json and lineage.mmd there.

${GLOBAL}`,
  schedule: `Usage: mesh schedule [names...] [--json]

Prints, per product, its schedule (its own cron and time zone, else mesh.yaml schedule: for
its refresh: hourly 0 * * * *, daily 0 2 * * *, real-time */5 * * * *, in UTC), when it was
last built, when mesh serve builds it next, and whether it is due now.

${GLOBAL}`,
  runs: `Usage: mesh runs [--product <product|domain>] [--since <duration>] [--json]

Lists the run log since --since (default 1d): every build and test of every product, with
its status, duration, rows and error.

${GLOBAL}`,
  serve: `Usage: mesh serve [--port <n>] [--host <address>] [--no-scheduler] [--json]
       mesh serve --once [--json]

Builds every product on its schedule (mesh schedule shows it): at each slot the products due,
and what they read, in one DAG; a product is due once however many slots were missed while
the server was down. A failed build is tried again after mesh.yaml schedule: backoff (1m),
doubling, retries (3) times, then left in error until its next slot (alerts: tell it).
A product none of whose inputs changed since its last build is not built again once its
checks find what that build's found: its run records the same rows, renewing its freshness. A product's timeout cancels a longer build.
Files landed in the sources' drop zones are loaded as batches and the real-time products
they feed rebuilt (.csv, .tsv and .parquet files; others are reported and left). --once loads
the drop zones, builds what is due now and exits (1 when a product failed, a file was refused
or one was not taken), for cron or a Kubernetes CronJob; --no-scheduler
only serves.

Holds the warehouse while it runs and serves, on http://127.0.0.1:7420 by default (--port 0
picks a free port; --host 0.0.0.0 to serve beyond this machine):
  /              the catalog portal, live (mesh catalog writes the same as files)
  /metrics       Prometheus metrics of every product's health (deploy/grafana has a dashboard)
  /health.json   what mesh health --json prints
While it runs, mesh commands on the same DuckDB warehouse (build, test, health, up, seed,
ingest, cost, doctor, catalog) find it through <db>.serve.json (.mesh/mesh.duckdb.serve.json
for the default target) and run inside it: mesh health answers while mesh build runs.
Commands that write run one at a time. SIGTERM or Ctrl-C lets running commands finish, then
stops; a second one stops at once (an unfinished build is rolled back). A second mesh serve
on the same warehouse says which process holds it. Restart it after rebuilding domain
packages: it keeps the definitions it loaded.

${GLOBAL}`,
  catalog: `Usage: mesh catalog --out <dir> [--json]

Writes the catalog portal into <dir> as static files that open from disk, with no server
(index.html): search across products, columns and descriptions; a page per product (owner,
description, tier, refresh, access, consumers, SLAs, schema with column docs, keys and PII
flags, its ODCS contract, checks with their last results, health with trend charts from the
history, a few sample rows without PII columns); a page per domain; the cross-domain lineage
graph, products coloured by health. mesh serve serves the same portal, live.

${GLOBAL}`,
  contract: `Usage: mesh contract export [names...] [--out <dir>] [--json]
       mesh contract diff [--against <dir | git ref | name@version>] [--json]
       mesh contract release [names...] [--json]

export writes each product's contract under <dir>/<domain>/ (default ./contracts):
<product>.odcs.yaml and <product>.odcs.json (Open Data Contract Standard v3.1.0: owner,
version, description, schema with types, keys and PII classification, quality rules from the
checks, SLAs, access, consumers, and a server per target of mesh.yaml) and <product>.schema.json
(JSON Schema of a row). Names are domains or products, as for mesh build; none means every
product. Domain packages ship the same files in dist/contracts/, written by their build.

diff compares every product's contract with the released ones and classifies each change.
Released: by default the contracts each domain package keeps for its released version
(contracts/<product>.odcs.json); --against a directory of *.odcs.json (any depth), a git ref
(the packages' contracts/ at that commit, tag or branch) or a published package version
(@retail-mesh/domain-product@1.2.0, fetched with npm pack). Breaking: a product or column
removed (a rename is a removal), a type changed, a column made required or nullable, an
enumeration value removed, the key changed, access or a column's classification narrowed, a
consumer of a restricted product no longer named, the partitioning changed. Safe: a product,
column, consumer or enumeration value added, a description or the tier changed, a check added,
removed or changed, a service level weakened or tightened (freshness, refresh, completeness,
validity). A breaking change needs a major version of the product, a
major changeset of its package (.changeset/) and, for a product that stays, its previous major
kept published until an announced date (previousMajor in its definition): exit 1 until it has
all three, naming the product, the change and what is missing. CI runs it.

release writes the contracts of the workspace's domain packages as released, into each
package's contracts/ (run by version-packages after changeset version); a product's previous
major contract is kept there (<product>.v1.odcs.json) while it stays published.

${GLOBAL}`,
  plan: `Usage: mesh plan --terraform <dir> [--target <bigquery target>] [--json]

Writes Terraform JSON (*.tf.json) for the BigQuery infrastructure of every domain and
product: datasets with labels and their owners as OWNER entries of the dataset's access
list, partitioned and clustered tables with their schema, a policy tag per domain for PII
columns (its owners read raw values, its products' readers a SHA-256 hash), and the sink
that routes the domain datasets' audit logs. No dataset or table reader grants: mesh build
grants each product's readers on its table once its checks pass. The target is --target,
or the first BigQuery target of mesh.yaml.

${GLOBAL}`,
  health: `Usage: mesh health [--json]
       mesh health --history <product|domain> [--since <duration>] [--json]

Reports, per product, its status (healthy, degraded, stale, error), row count, quality
score, completeness, freshness against its SLA and last update; per domain, the product
and healthy counts; and totals for the mesh. Exits 1 when a product is stale or in error.

A product is degraded by an anomaly: its row count, the time since its last publish or its
build's duration far from its own history (a z-score over the last runs; mesh.yaml
anomalies: window, minRuns, sensitivity), with the reason ("row count 40,112 is 4.2 sigma
below its 14-run mean 98,230").

--history prints the snapshots every build and test run appended for the product (or each
product of a domain): status, rows, bytes, freshness age, quality, completeness, validity,
duration, bytes processed and anomalies; --since keeps the latest (7d, 12h; default all).

${GLOBAL}`,
};
