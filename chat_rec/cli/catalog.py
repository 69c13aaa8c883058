"""``chat-rec catalog``: ingest, rebuild, stats, search, check, vectors.

``ingest`` validates a catalog file through its mapping, writes the row-problem report,
syncs the index (only new or changed rows are embedded, and not even those when the
catalog's vector file holds them) and makes that catalog the active one for later
``ask``/``chat`` runs (``CHAT_REC_HOME/active_catalog.json``). ``vectors`` writes that
vector file, e.g. the built-in catalog's ``catalog/movies.vectors.npz``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING, Settings, get_settings

app = typer.Typer(no_args_is_help=True, help="Load and inspect the catalog and its index.")


def _active_settings() -> Settings:
    from chat_rec.catalog.active import resolve_catalog

    return resolve_catalog(get_settings())


@app.command()
def ingest(
    path: Path = typer.Argument(..., help="catalog file: .csv, .tsv, .jsonl or .parquet"),
    mapping: Path = typer.Option(..., "--mapping", "-m", help="mapping YAML (see catalog/mappings/)"),
    strict: bool = typer.Option(False, "--strict", help="fail on the first bad row instead of reporting it"),
    report: Path | None = typer.Option(
        None, "--report", help="problem report (.csv or .jsonl); default CHAT_REC_HOME/reports/<name>.problems.csv"
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    vectors: Path | None = typer.Option(
        None, "--vectors", help="vector file to reuse (`chat-rec catalog vectors`); default: <catalog>.vectors.npz"
    ),
) -> None:
    """Validate, index and activate a catalog. Re-running embeds only new or changed rows."""
    from chat_rec.catalog.active import resolve_collection, write_active
    from chat_rec.catalog.load import load_catalog
    from chat_rec.catalog.mapping import load_mapping
    from chat_rec.catalog.report import summary_line, write_report
    from chat_rec.index.chroma import ChromaIndex, index_lock
    from chat_rec.index.embedder import CachedEmbedder, SentenceTransformerEmbedder
    from chat_rec.index.sync import sync_index
    from chat_rec.index.vectorfile import read_vector_file, vectors_path

    settings = get_settings()
    spec = load_mapping(mapping)
    result = load_catalog(path, spec, strict=strict)
    index_settings = resolve_collection(settings, spec)
    report_path = report or settings.home / "reports" / f"{index_settings.collection}.problems.csv"
    if result.problems or report is not None:
        write_report(result.problems, report_path)
    typer.echo(summary_line(result, path, report_path))
    embedder = CachedEmbedder(
        SentenceTransformerEmbedder(settings.embedding_model), settings.cache_dir / "embeddings.sqlite3"
    )
    known = read_vector_file(vectors or vectors_path(path))
    with index_lock(index_settings):  # API workers on this home may be opening it
        index = ChromaIndex(index_settings)
        sync = sync_index(result.catalog, index, embedder, progress=progress, vectors=known)
    write_active(
        settings,
        path,
        mapping,
        collection=index.name,
        items=len(result.catalog),
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    typer.echo(f"index {index.name!r}: {sync.summary()}; now the active catalog")
    if "catalog" in settings.model_fields_set:
        typer.echo(f"note: CHAT_REC_CATALOG={settings.catalog} is set and wins over the active catalog", err=True)


@app.command()
def rebuild() -> None:
    """Drop the active catalog's index and build it again (unchanged texts come from the embedding cache)."""
    from chat_rec.catalog.active import resolve_collection
    from chat_rec.catalog.mapping import load_mapping
    from chat_rec.index.chroma import make_client
    from chat_rec.index.space import open_space

    settings = _active_settings()
    name = resolve_collection(settings, load_mapping(settings.catalog_mapping)).collection
    client = make_client(settings)
    try:
        client.delete_collection(name)
    except Exception:  # nothing to delete
        pass
    space = open_space(settings, progress=True, chroma_client=client)
    typer.echo(f"rebuilt {name!r}: {space.index.count()} items: {space.sync.summary()}")


@app.command()
def stats() -> None:
    """Counts, filter fields with value ranges / top values, and the index manifest (no indexing)."""
    from chat_rec.catalog.active import read_active, resolve_collection
    from chat_rec.catalog.load import load_catalog
    from chat_rec.catalog.report import field_stats
    from chat_rec.index.chroma import ChromaIndex

    settings = _active_settings()
    result = load_catalog(settings.catalog, settings.catalog_mapping)
    catalog = result.catalog
    active = read_active(settings)
    source = "active (ingested)" if active and Path(active["catalog"]) == settings.catalog else "configured"
    typer.echo(f"catalog: {settings.catalog} [{source}]")
    typer.echo(
        f"mapping: {settings.catalog_mapping} (name {catalog.mapping.name!r}, digest {catalog.mapping.digest()})"
    )
    typer.echo(f"rows: {result.rows_read} read, {len(catalog)} valid, {len(result.problems)} problem(s)")
    typer.echo("fields:")
    for fs in field_stats(catalog):
        typer.echo("  " + fs.describe())
    roles = {k: v for k, v in catalog.roles.model_dump().items() if v}
    typer.echo(f"roles: {roles}")
    index = ChromaIndex(resolve_collection(settings, catalog.mapping))
    manifest = {k: v for k, v in index.manifest().items() if not k.startswith("hnsw:")}
    in_sync = manifest.get("catalog_digest") == catalog.digest() and bool(manifest.get("complete"))
    typer.echo(f"index: collection {index.name!r}, {index.count()} items, up to date: {'yes' if in_sync else 'no'}")
    for key in sorted(manifest):
        typer.echo(f"  {key}: {manifest[key]}")
    if not in_sync:
        typer.echo("  (the next ask/chat, or `chat-rec catalog rebuild`, brings it up to date)")


@app.command()
def search(
    query: str,
    k: int = typer.Option(10, "-k"),
    where: list[str] = typer.Option(
        [], "--where", help="FIELD OP VALUE, repeatable: 'year>=1990', 'genres=Comedy' (= on a list: contains)"
    ),
) -> None:
    """Dense search over the index (a quick look, no ranking)."""
    from chat_rec.catalog.where import matches, parse_where
    from chat_rec.index.space import open_space

    space = open_space(_active_settings(), progress=True, preload_model=True)
    conditions = parse_where(where, space.catalog)
    qvec = space.embed_query(query)
    if conditions:
        by_id = space.catalog.by_id
        hits = space.nearest(qvec, k, lambda i: matches(by_id[i], conditions))
    else:
        hits = space.index.query(qvec, k)
    for item_id, score in hits:
        item = space.catalog.by_id.get(item_id)
        title = space.catalog.display_title(item) if item else item_id
        typer.echo(f"{score:.3f}  {item_id}  {title}")
    if not hits:
        typer.echo("no results")


@app.command()
def check(
    path: Path,
    mapping: Path = typer.Option(..., "--mapping", "-m"),
    report: Path | None = typer.Option(None, "--report", help="write every problem to this .csv/.jsonl"),
) -> None:
    """Validate a catalog file against a mapping without indexing it."""
    from chat_rec.catalog.load import load_catalog
    from chat_rec.catalog.report import summary_line, write_report

    result = load_catalog(path, mapping)
    for problem in result.problems[:20]:
        typer.echo(str(problem))
    if report is not None:
        write_report(result.problems, report)
    typer.echo(f"{len(result.catalog)} valid of {result.rows_read} rows; {len(result.problems)} problem(s)")
    if report is not None:
        typer.echo(summary_line(result, path, report))


@app.command()
def vectors(
    path: Path = typer.Argument(BUILTIN_CATALOG, help="catalog file (default: the built-in catalog)"),
    mapping: Path = typer.Option(BUILTIN_MAPPING, "--mapping", "-m"),
    out: Path | None = typer.Option(None, "--out", help="default: next to the catalog, <name>.vectors.npz"),
) -> None:
    """Write the catalog's vector file, so indexing it skips the model (regenerates the shipped one)."""
    from chat_rec.catalog.load import load_catalog
    from chat_rec.index.embedder import CachedEmbedder, SentenceTransformerEmbedder
    from chat_rec.index.vectorfile import build_vector_file, read_vector_file, vectors_path, write_vector_file

    settings = get_settings()
    catalog = load_catalog(path, mapping).catalog
    target = out or vectors_path(path)
    embedder = CachedEmbedder(
        SentenceTransformerEmbedder(settings.embedding_model), settings.cache_dir / "embeddings.sqlite3"
    )
    built = build_vector_file([item.text for item in catalog.items], embedder, read_vector_file(target))
    changed = write_vector_file(target, built)
    size = target.stat().st_size / 1e6
    verb = "wrote" if changed else "up to date:"
    typer.echo(f"{verb} {target} ({len(built)} vectors of {built.model}, {size:.2f} MB; {embedder.misses} embedded)")
