-- Every code ever used under some grids, in any version or draft: new codes never reuse them.
SELECT DISTINCT code FROM grid WHERE code LIKE ANY(CAST(:prefixes AS text[]))
