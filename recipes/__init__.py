"""The bundled training recipes (TOML), found by name: `tsqa train --recipe tiny`."""
