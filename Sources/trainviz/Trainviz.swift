import ArgumentParser
import Experiments

@main
struct Trainviz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trainviz",
        abstract: "Make gradient descent visible: watch CNN kernels and 2D Gaussians learn.",
        version: trainvizVersion,
        subcommands: [RunsCommand.self]
    )
}
