import ArgumentParser
import Autograd
import Experiments
import Foundation

@main
struct Trainviz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trainviz",
        abstract: "Make gradient descent visible: watch CNN kernels and 2D Gaussians learn.",
        version: trainvizVersion,
        subcommands: [CNNCommand.self, SplatCommand.self, ReplayCommand.self, RunsCommand.self, ShapesCommand.self,
                      BenchCommand.self]
    )

    static func main() {
        // One line at a time even into a pipe or file, so a log shows each epoch as it ends.
        setvbuf(stdout, nil, _IOLBF, 0)
        MemoryTuning.applyTrainingDefaults()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
