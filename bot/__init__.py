"""modelbot: smoke-test, license-check and lint the models a pull request adds."""

__version__ = "0.1.0"
