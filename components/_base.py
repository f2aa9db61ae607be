"""The decorators components use: the project image, no kfp install, no packages_to_install."""

from functools import partial

from kfp import dsl

from paperline import settings

component = partial(dsl.component, base_image=settings.image(), install_kfp_package=False)
gpu_component = partial(dsl.component, base_image=settings.image(gpu=True), install_kfp_package=False)
