package io.densefractal.train;

/**
 * Training loss and accuracy over a stretch of steps within an epoch (a tenth of it, see {@link
 * StepLog}): the curve that makes short runs readable, where one point per epoch is not.
 *
 * @param step global step count at the end of the stretch (steps done since the run began)
 * @param epoch position in epochs at the end of the stretch: the epochs done before it plus the
 *     fraction of this epoch's images seen (1.0 = end of the first epoch)
 * @param learningRate the learning rate of the stretch's last step
 * @param trainLoss mean training loss over the stretch's images
 * @param trainAccuracy training top-1 accuracy over the stretch's images, in [0, 1]
 */
public record StepPoint(
    long step, double epoch, double learningRate, double trainLoss, double trainAccuracy) {}
