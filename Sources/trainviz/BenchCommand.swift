import ArgumentParser
import Autograd
import Experiments

/// `trainviz bench`: the reference workloads of docs/DESIGN.md §5, printed as figures.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the reference workloads (sgemm, conv2d, a CNN-A epoch, SPLAT-A) and print the figures."
    )

    @Flag(help: "Fewer repeats and a 2,560-image epoch (scaled to 10,000): rough figures in seconds.")
    var quick = false

    @Flag(help: "Print one JSON object instead of the table (keys documented in the README).")
    var json = false

    @Option(help: "CNN-A epochs to time; the median is reported.")
    var epochs: Int = 3

    @Option(name: .customLong("splat-target"), help: "A PNG for the SPLAT-A rows (default: the test card), resized to 256 and 512 px.")
    var splatTarget: String?

    @Option(help: "Threads for BLAS and the library's loops (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads).") }
    }

    func run() throws {
        if let threads { Parallelism.threads = threads }
        let report = try BenchReport.measure(quick: quick, epochs: epochs, splatTarget: splatTarget) { line in
            if !json { print(line) }
        }
        print(json ? report.json : report.table)
    }
}
