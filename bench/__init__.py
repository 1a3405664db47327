"""The project's own benchmark (`python -m bench`, `make bench`).

- bench.generate: builds PRODUCT.md's reference data set (scaled) in a dedicated database;
- bench.reads: repository reads vs a bare asyncpg loop doing the same SQL;
- bench.http: the real app under uvicorn vs a bare FastAPI + asyncpg app (bench.bare_app);
- bench.report: the printed table and bench/results.json.

See bench/README.md.
"""
