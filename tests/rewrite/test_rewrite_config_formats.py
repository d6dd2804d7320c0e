import json
import tomllib

from tests.rewrite.fakes import after, org_id, plan_for, project_key

KEY = project_key()
ORG = org_id()


def test_kubernetes_env_value_becomes_secret_key_ref(tmp_path):
    text = (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: app\n"
        "          env:\n"
        "            - name: NEXUS_API_KEY\n"
        f'              value: "{KEY}"  # rotate me\n'
        "            - {name: NEXUS_ORG_ID, value: " + ORG + "}\n"
        "            - name: MODE\n"
        "              value: prod\n"
    )
    plan = plan_for(tmp_path, {"k8s/deploy.yaml": text}, [KEY, ORG])
    assert after(plan, "k8s/deploy.yaml") == (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: app\n"
        "          env:\n"
        "            - name: NEXUS_API_KEY\n"
        "              valueFrom:\n"
        "                secretKeyRef:\n"
        "                  name: keysweep-secrets\n"
        "                  key: NEXUS_API_KEY  # rotate me\n"
        "            - {name: NEXUS_ORG_ID, valueFrom: "
        "{secretKeyRef: {name: keysweep-secrets, key: NEXUS_ORG_ID}}}\n"
        "            - name: MODE\n"
        "              value: prod\n"
    )
    assert {(n.name, n.where, n.detail) for n in plan.needs} == {
        ("NEXUS_API_KEY", "k8s-secret", "keysweep-secrets"),
        ("NEXUS_ORG_ID", "k8s-secret", "keysweep-secrets"),
    }


def test_kubernetes_secret_manifest_is_emptied(tmp_path):
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: nexus\nstringData:\n  api-key: {KEY}\n"
    plan = plan_for(tmp_path, {"k8s/secret.yaml": text}, [KEY])
    assert after(plan, "k8s/secret.yaml") == (
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: nexus\nstringData:\n  api-key: ""\n'
    )


def test_tfvars_assignment_is_removed_for_tf_var(tmp_path):
    text = f'region = "eu-west-1"\nnexus_api_key = "{KEY}"\n'
    plan = plan_for(tmp_path, {"prod.tfvars": text}, [KEY])
    assert after(plan, "prod.tfvars") == (
        'region = "eu-west-1"\n# nexus_api_key: removed by keysweep; Terraform reads it from TF_VAR_nexus_api_key\n'
    )
    assert [(n.where, n.detail) for n in plan.needs] == [("tf-var", "TF_VAR_nexus_api_key")]


def test_properties_yaml_toml_json_ini(tmp_path):
    files = {
        "src/main/resources/application.properties": f"# {KEY}\nnexus.api-key={KEY}\n",
        "config/app.yaml": f"nexus:\n  key: {KEY}  # prod\n",
        "config.toml": f'[nexus]\nkey = "{KEY}" # prod\norg = "{ORG}"\n',
        "settings.json": f'{{"nexus": {{"key": "{KEY}", "org": "{ORG}"}}}}\n',
        "setup.cfg": f"[nexus]\n; {KEY}\nkey = {KEY}\n",
    }
    plan = plan_for(tmp_path, files, [KEY, ORG])
    assert after(plan, "src/main/resources/application.properties") == (
        "# <your NEXUS_API_KEY>\nnexus.api-key=${NEXUS_API_KEY}\n"
    )
    assert after(plan, "config/app.yaml") == "nexus:\n  key: ${NEXUS_API_KEY}  # prod\n"
    toml_text = after(plan, "config.toml")
    assert toml_text == '[nexus]\nkey = "<your NEXUS_API_KEY>" # prod\norg = "<your NEXUS_ORG_ID>"\n'
    assert tomllib.loads(toml_text)["nexus"]["org"] == "<your NEXUS_ORG_ID>"
    assert json.loads(after(plan, "settings.json")) == {
        "nexus": {"key": "<your NEXUS_API_KEY>", "org": "<your NEXUS_ORG_ID>"}
    }
    assert after(plan, "setup.cfg") == "[nexus]\n; <your NEXUS_API_KEY>\nkey = <your NEXUS_API_KEY>\n"
