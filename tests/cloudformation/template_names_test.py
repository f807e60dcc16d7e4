"""cloudformation/bulkqa.yaml: the names it builds for its functions and log groups fit their
services' limits whatever the stack's name (CloudFormation allows up to 128 characters), keep
what AWS's managed Ground Truth policy looks for, and differ between stacks.

The names are resolved from the YAML as CloudFormation would, by tests/support/template_policies.py.
"""
import os
import pathlib
import sys
import unittest

import yaml

SOURCE_DIR = pathlib.Path(
    os.environ.get("BULKQA_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE_DIR / "tests" / "support"))
import template_policies  # noqa: E402

TEMPLATE = SOURCE_DIR / "cloudformation" / "bulkqa.yaml"
PARAMETERS = {
    "LaunchBucket": "launch",
    "LaunchPackageKey": "launch.zip",
    "PreLabelingPackageKey": "pre-labeling.zip",
    "PostLabelingPackageKey": "post-labeling.zip",
    "LabelCorpusKey": "corpus.csv",
    "ImageSourceBucket": "images",
}
# The property naming each kind of resource, and the longest name its service takes.
NAME_LIMITS = {
    "AWS::Lambda::Function": ("FunctionName", 64),
    "AWS::Logs::LogGroup": ("LogGroupName", 512),
}
LONGEST_STACK_NAME = "s" + "-stack" * 21 + "x"  # 128 characters, CloudFormation's maximum


def resolved_names(stack_name, stack_uuid=template_policies.DEFAULT_STACK_UUID):
    """{logical id: (resource type, name)} for every function and log group of the template."""
    with open(TEMPLATE, encoding="utf-8") as file:
        template = yaml.load(file, Loader=template_policies.template_loader())
    resolver = template_policies.Resolver(template, PARAMETERS, {}, "us-east-1", "123456789012",
                                          stack_name, stack_uuid)
    names = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in NAME_LIMITS:
            name_property, _ = NAME_LIMITS[resource["Type"]]
            names[logical_id] = (resource["Type"],
                                 resolver.resolve(resource["Properties"][name_property]))
    return names


class TemplateNamesTest(unittest.TestCase):
    def test_the_longest_stack_name_is_128_characters(self):
        self.assertEqual(len(LONGEST_STACK_NAME), 128)

    def test_every_name_fits_its_limit_for_stack_names_of_any_length(self):
        for stack_name in ("b", "bulkqa", "b" * 43, "b" * 44, LONGEST_STACK_NAME):
            names = resolved_names(stack_name)
            self.assertEqual(len([kind for kind, _ in names.values()
                                  if kind == "AWS::Lambda::Function"]), 3)
            for logical_id, (kind, name) in names.items():
                _, limit = NAME_LIMITS[kind]
                self.assertLessEqual(len(name), limit,
                                     f"{logical_id} of stack '{stack_name}': '{name}'")

    def test_labeling_functions_keep_labeling_function_in_their_names(self):
        # AWS's managed Ground Truth policy lets labeling jobs invoke functions named so.
        names = resolved_names(LONGEST_STACK_NAME)
        for logical_id in ("PreLabelingFunction", "PostLabelingFunction"):
            self.assertIn("LabelingFunction", names[logical_id][1])

    def test_two_stacks_of_the_same_name_never_share_a_function_name(self):
        first = resolved_names("bulkqa", "0c5d3a60-6b1e-11ef-8a0e-0e5f2b9d7c41")
        second = resolved_names("bulkqa", "9a1f0e22-7c3d-4b5a-8e6f-112233445566")
        for logical_id, (kind, name) in first.items():
            if kind == "AWS::Lambda::Function":
                self.assertNotEqual(name, second[logical_id][1], logical_id)


if __name__ == "__main__":
    unittest.main()
