"""Labels teams already have, in the shapes public datasets use, turned into the incident-labels file the labelling
page writes: windows per file, per-row 0/1 columns, per-segment channel lists, fault-injection logs and pairs."""
