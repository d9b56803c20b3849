import Autograd
import Foundation

extension CNNTrainer {
    /// One row per layer: name, output shape, parameters; plus the receptive field of
    /// conv2's outputs.
    public struct ModelSummary: Encodable {
        public var rows: [(layer: String, output: [Int], parameters: Int)]
        public var totalParameters: Int
        public var receptiveField: Int

        public var text: String {
            var lines = ["layer".padding(toLength: 12, withPad: " ", startingAt: 0)
                + "output".padding(toLength: 20, withPad: " ", startingAt: 0) + "parameters"]
            for row in rows {
                lines.append(row.layer.padding(toLength: 12, withPad: " ", startingAt: 0)
                             + "\(row.output)".padding(toLength: 20, withPad: " ", startingAt: 0) + "\(row.parameters)")
            }
            lines.append("total \(totalParameters) parameters; conv2's receptive field \(receptiveField)×\(receptiveField) px")
            return lines.joined(separator: "\n")
        }

        private struct Row: Encodable { var layer: String; var output: [Int]; var parameters: Int }
        private enum CodingKeys: String, CodingKey {
            case layers, totalParameters = "total_parameters", receptiveField = "receptive_field"
        }

        /// The summary as the manifest records it: `layers` (layer, output, parameters),
        /// `total_parameters`, `receptive_field`.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rows.map { Row(layer: $0.layer, output: $0.output, parameters: $0.parameters) }, forKey: .layers)
            try c.encode(totalParameters, forKey: .totalParameters)
            try c.encode(receptiveField, forKey: .receptiveField)
        }
    }

    public static func modelSummary(_ model: CNNA, config: CNNConfig) -> ModelSummary {
        let input = Tensor.zeros([1, config.gray ? 1 : 3, config.imageSize, config.imageSize])
        let outputs = withNoGrad { model.network.activations(input) }
        var rows: [(String, [Int], Int)] = []
        var rf = 1, jump = 1, rfConv2 = 1
        for (index, layer) in model.network.layers.enumerated() {
            let name: String
            switch layer {
            case let conv as Conv2D:
                let k = conv.weight.shape[2]
                rf += (k - 1) * jump
                jump *= conv.stride
                name = index == CNNA.conv1Index ? "conv1" : index == CNNA.conv2Index ? "conv2" : "conv"
                if index == CNNA.conv2Index { rfConv2 = rf }
            case let pool as MaxPool2D:
                rf += (pool.kernel - 1) * jump
                jump *= pool.stride ?? pool.kernel
                name = "maxpool"
            case is ReLU: name = "relu"
            case is Flatten: name = "flatten"
            case is Linear: name = "fc"
            default: name = "\(type(of: layer))"
            }
            rows.append((name, Array(outputs[index].shape.dropFirst()), layer.parameters.reduce(0) { $0 + $1.count }))
        }
        return ModelSummary(rows: rows, totalParameters: rows.reduce(0) { $0 + $1.2 }, receptiveField: rfConv2)
    }
}
