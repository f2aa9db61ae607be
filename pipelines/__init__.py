"""One DAG per paper, composed from components. Installed as `paperline.pipelines`."""
