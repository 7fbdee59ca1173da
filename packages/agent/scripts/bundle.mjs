// Placeholder: replaced by the single-file bundle build.
