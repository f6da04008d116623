"""The `vitals` CLI as Python functions, for the suites' expected answers."""
import json
import subprocess


def querier(vitals, store):
    """`vitals query` on `store` as a function: the CLI path the MCP answers must equal."""
    def run(tool, agency="ag_001", **arguments):
        out = subprocess.run([vitals, "query", tool, "--store", store, "--agency", agency, "--args", json.dumps(arguments)],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
    return run
