import ArgumentParser
import Foundation
import Storage

/// `trainviz runs`: the runs under a folder, newest first, as a table.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the runs in a folder: kind, status, epochs done, headline metric, age.",
        discussion: """
            A run whose manifest still says 'running' but whose process is gone (a crash or \
            kill -9) is listed as 'stale'; a folder that is not a run is listed as 'unreadable'.
            """
    )

    @Option(help: "The folder that holds the runs.")
    var runs: String = "Runs"

    func run() throws {
        print(try RunListing.report(runsFolder: URL(fileURLWithPath: runs)), terminator: "")
    }
}
