/// The trainviz release, written into every run manifest and printed by `--version`.
public let trainvizVersion = "0.1.0"
