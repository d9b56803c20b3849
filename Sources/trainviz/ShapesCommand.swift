import ArgumentParser
import Experiments
import Foundation

/// `trainviz shapes`: look at the data the CNN learns from.
struct ShapesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shapes",
        abstract: "Write a labelled preview sheet of the synthetic shapes, each beside what the retina passes on (and, with --export, the images) to Datasets/."
    )

    @Option(help: "Images to draw (the sheet shows up to 12 per class).")
    var count: Int = 120
    @Option(help: "Seed of the generator (the cnn command's training set uses its --seed).")
    var seed: UInt64 = 0
    @Option(help: "Folder to write into.")
    var output: String = "Datasets"
    @Flag(help: "Also write every image as a PNG with a labels.csv.")
    var export = false
    @Option(help: ArgumentHelp("Show each image beside what this input stage of the cnn passes on.", valueName: "stage"))
    var retina: Retina = .centreSurround

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be a positive whole number, not \(count).") }
    }

    func run() throws {
        for url in try ShapesPreview.write(count: count, seed: seed, to: URL(fileURLWithPath: output), export: export,
                                                   retina: retina) {
            print("Wrote \(url.path)")
        }
    }
}
