"""The decorators components use: the project image, no kfp install, no packages_to_install."""

from functools import partial

from kfp import dsl

from paperline.core import settings

component = partial(dsl.component, base_image=settings.image(), install_kfp_package=False)
gpu_component = partial(dsl.component, base_image=settings.image(gpu=True), install_kfp_package=False)
# A light pod that starts an external workload (a TrainJob): the task's resources, node selector and
# tolerations are forwarded to that workload, not applied to this pod; its env applies to both.
launcher_component = partial(dsl.component, base_image=settings.image(), install_kfp_package=False,
                             task_config_passthroughs=[
                                 dsl.TaskConfigField.RESOURCES,
                                 dsl.TaskConfigField.KUBERNETES_NODE_SELECTOR,
                                 dsl.TaskConfigField.KUBERNETES_TOLERATIONS,
                                 dsl.TaskConfigPassthrough(field=dsl.TaskConfigField.ENV, apply_to_task=True)])
