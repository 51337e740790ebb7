//! Category catalogs (部件 / 事项 类别) loaded from the data files in `core/data/catalog`.
