// Placeholder so the module builds; see the issue that fills it.
