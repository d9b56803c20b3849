/// What can go wrong in a training run, in sentences for the user (every experiment's).
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A setting out of range; the sentence names it the way the user gave it.
    case invalidOption(String)
    /// A run folder that `--resume` cannot continue.
    case badRun(String)
    /// The loss became NaN or infinite in `epoch`; `advice` says what to change.
    case diverged(epoch: Int, advice: String)

    public var description: String {
        switch self {
        case .invalidOption(let sentence): sentence
        case .badRun(let why): "Cannot resume that run: \(why)."
        case .diverged(let epoch, let advice):
            "Training diverged in epoch \(epoch) (the loss became NaN or infinite); \(advice)."
        }
    }
}
