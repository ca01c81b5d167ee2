"""The Kubernetes executor: one pod per run in a dedicated namespace (AKS in production).

Sits behind the orchestrator's ``Executor`` seam (``services/orchestrator/executors/base.py``)
and knows nothing of the scheduler or the database:

- ``config``    ``KubernetesSettings`` (``HOLDOUT_KUBERNETES_*``)
- ``objects``   pure functions building the run pod (kubespawner's ``make_pod`` style)
- ``classify``  pure function: pod status -> outcome
- ``watcher``   list-then-watch reflector of the namespace's run pods
- ``client``    the API client (kubernetes_asyncio), its HTTP session kept off the environment
- ``collect``   collected pods: the outcome kept on the ended pod until it is recorded
- ``executor``  ``KubernetesExecutor``: create / adopt, wait, collect, abandon; recovery
- ``logs``      the run's log: read with a byte cap, stored, its last lines quoted
- ``urls``      short-lived SAS URLs the pod uses for its archive and its predictions
- ``fetch``     runs *in the pod* (init container): download and safely unpack the zip
- ``runner``    runs *in the pod* (main container, stdlib only): run ``main.py``, upload
                the predictions, report through the termination message
"""
