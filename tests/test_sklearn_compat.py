from sklearn.utils.estimator_checks import parametrize_with_checks

from stabledag import StableDAGLearner


@parametrize_with_checks(
    [
        StableDAGLearner(max_epochs=20, steps_per_epoch=5, random_state=0),
        StableDAGLearner(
            model="mlp", hidden_units=3, max_epochs=10, steps_per_epoch=3, random_state=0
        ),
    ],
    expected_failed_checks=lambda est: {},  # no expected failures
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
