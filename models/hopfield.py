"""The reference report's Hopfield network (Section 3, Figures 10-19).

64 units (8x8 images) storing the 'X' and the smiley, W = (1/N) sum p p^T with the
diagonal kept, f = sign with sign(0) = 0, noise sigma = 0.1 (Euler-Maruyama, dt = 0.1).
"""

from dynsys.hopfield.network import HopfieldNetwork

model = HopfieldNetwork.from_names(
    ["x", "smiley"],
    activation="sign",
    sigma=0.1,
    name="hopfield",
    description="64-unit Hopfield network storing an 8x8 'X' and a smiley (report, Section 3).",
)
