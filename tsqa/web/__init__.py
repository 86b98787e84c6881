"""What both local HTTP servers (`tsqa serve` and the `tsqa label` pages) share: strict JSON bodies, the checks that
keep other web sites' pages out of a server on this machine, and a listening socket that holds a burst."""
