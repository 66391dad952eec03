"""Optimizers: the seed's update rule Delta W = -eta dE/dW and its usual refinements.

``SGD`` (momentum, Nesterov, weight decay, as torch.optim.SGD without dampening) and
``Adam`` (Kingma and Ba 2015, Algorithm 1, with bias correction). Both save and restore
their state with ``state_dict`` / ``load_state_dict`` so training resumes exactly; the
state dict holds only strings, numbers and arrays, so ``tm.save`` stores it without pickle.
"""

from .adam import Adam
from .base import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam"]
