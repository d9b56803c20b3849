import Foundation

/// What can go wrong in a training run, in sentences for the user (every experiment's).
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A setting out of range; the sentence names it the way the user gave it.
    case invalidOption(String)
    /// A run folder that `--resume` cannot continue.
    case badRun(String)
    /// The loss blew up at global step `step` (1-based) of `epoch`: `loss` against the first
    /// step's `start`; `advice` says what to change.
    case diverged(epoch: Int, step: Int, loss: Double, start: Double, advice: String)
    /// Every Gaussian left the image or faded to nothing by the end of `epoch`.
    case emptyRender(epoch: Int, advice: String)

    public var description: String {
        switch self {
        case .invalidOption(let sentence): sentence
        case .badRun(let why): "Cannot resume that run: \(why)."
        case .diverged(let epoch, let step, let loss, let start, let advice):
            "Training diverged at epoch \(epoch), step \(step): loss \(TrainingError.number(loss)) from "
                + "\(TrainingError.number(start)); \(advice)."
        case .emptyRender(let epoch, let advice):
            "Training failed at epoch \(epoch): every Gaussian has left the image or faded out, so the render is "
                + "empty; \(advice)."
        }
    }

    /// 3 significant digits, `3.3e+05` style for large or small values.
    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return abs(value) >= 1e4 || (abs(value) < 1e-3 && value != 0) ? String(format: "%.2g", value) : String(format: "%.3g", value)
    }
}
