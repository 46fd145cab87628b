"""Pure geometry for GridMap: coordinate systems, grid hierarchy, GeoJSON
parsing and validation, and the point-to-grid assignment rule.

Nothing in this package touches a web framework, an ORM or a database
driver (``tests/geo/test_purity.py`` enforces it), so it is fast to test and
safe to reuse from the CLI, the services and the benchmarks alike.

Modules
-------
crs          source coordinate systems, conversion to/from WGS-84, measures
gcj          the GCJ-02 / BD-09 offset maths (forward and accurate inverse)
hierarchy    levels, code lengths, parent levels, grid kinds
geometry     GeoJSON polygon parsing and normalisation
containment  child-inside-parent check with a tiny-overhang clip
features     parse + validate a grid FeatureCollection (reason codes)
messages     English fallback texts for the features reason codes
assign       the deterministic point-to-grid rule
tiling       cut a polygon into balanced parts that tile it
address      Chinese address normalisation and parsing into parts (标准地址)
address_match  ranking standard addresses for a query (exact key, then fuzzy)
patrol       GPS fix checks, patrol sessions, time inside a grid, visited cells
"""
