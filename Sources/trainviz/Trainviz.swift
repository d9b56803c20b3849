import ArgumentParser
import Autograd
import Experiments

@main
struct Trainviz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trainviz",
        abstract: "Make gradient descent visible: watch CNN kernels and 2D Gaussians learn.",
        version: trainvizVersion,
        subcommands: [BenchCommand.self, RunsCommand.self]
    )

    static func main() {
        MemoryTuning.applyTrainingDefaults()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
