/// Stops a run whose loss has blown up, with the numbers that show it.
///
/// The loss of the first step is the reference. A step whose loss is not finite, or the
/// `patience`-th step in a row whose loss is more than `factor` times the reference, throws
/// `TrainingError.diverged`. A healthy run's loss falls from its first value (a cnn starts at
/// ln 6 ≈ 1.79 and never came near 18 in any recipe measured; a splat loss falls by orders of
/// magnitude), so only a learning rate far too large trips it.
struct DivergenceGuard {
    static let factor = 10.0
    static let patience = 5
    /// What the user should change, for the message ("try a smaller --lr").
    let advice: String
    /// The smallest reference the factor applies to: a run that starts almost perfect (a
    /// one-pixel target) may rise from 1e-15 without blowing up.
    let floor: Double
    private(set) var reference: Double?
    private var strikes = 0

    init(advice: String, floor: Double = 0) {
        self.advice = advice
        self.floor = floor
    }

    /// Checks the loss of global step `step` (1-based) in `epoch`.
    mutating func check(_ loss: Double, epoch: Int, step: Int) throws {
        if reference == nil, loss.isFinite { reference = loss }
        let start = reference ?? .nan
        guard loss.isFinite else { throw diverged(loss, start: start, epoch: epoch, step: step) }
        strikes = loss > DivergenceGuard.factor * max(start, floor, 1e-12) ? strikes + 1 : 0
        if strikes >= DivergenceGuard.patience { throw diverged(loss, start: start, epoch: epoch, step: step) }
    }

    private func diverged(_ loss: Double, start: Double, epoch: Int, step: Int) -> TrainingError {
        .diverged(epoch: epoch, step: step, loss: loss, start: start, advice: advice)
    }
}
