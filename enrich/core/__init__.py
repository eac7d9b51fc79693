"""The pure core: data models, identity, matching. No file, network or CLI imports here."""
