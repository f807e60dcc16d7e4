#!/usr/bin/env python3
"""The IAM policy of each role in a CloudFormation template, resolved for a test's resources.

Reads the template (YAML with CloudFormation's short-form tags), gathers every role's policies (its
inline Policies and the AWS::IAM::RolePolicy resources attached to it, conditions evaluated) and
every AWS::IAM::ManagedPolicy's document (under its own logical id), and resolves the intrinsic
functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Equals, ...) with the parameter values
and physical resource names given on the command line. Writes
{"<role or managed policy logical id>": <one policy document>} as JSON.

  template_policies.py TEMPLATE [--parameter NAME=VALUE]... [--resource LOGICAL_ID=NAME]...
                       [--region R] [--account A] [--stack-name S] [--stack-uuid U]
                       [--output FILE]
"""
import argparse
import json
import re
import sys

import yaml

SHORT_FORMS = {
    "Ref": "Ref",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "Condition": "Condition",
}

# The id CloudFormation ends a stack's ARN (AWS::StackId) with, here when none is given.
DEFAULT_STACK_UUID = "0c5d3a60-6b1e-11ef-8a0e-0e5f2b9d7c41"


class ResolveError(Exception):
    pass


def template_loader():
    class Loader(yaml.SafeLoader):
        pass

    def construct(tag_name):
        def build(loader, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
                # !GetAtt Resource.Attribute is the short form of [Resource, Attribute].
                if tag_name == "GetAtt":
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {SHORT_FORMS[tag_name]: value}

        return build

    for tag_name in SHORT_FORMS:
        Loader.add_constructor("!" + tag_name, construct(tag_name))
    return Loader


class Resolver:
    def __init__(self, template, parameters, resources, region, account, stack_name,
                 stack_uuid=DEFAULT_STACK_UUID):
        self.template = template
        self.parameters = {}
        for name, declaration in template.get("Parameters", {}).items():
            if name in parameters:
                self.parameters[name] = parameters[name]
            elif "Default" in declaration:
                self.parameters[name] = str(declaration["Default"])
        unknown = set(parameters) - set(template.get("Parameters", {}))
        if unknown:
            raise ResolveError("unknown parameters: " + ", ".join(sorted(unknown)))
        self.resources = resources
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/{stack_uuid}",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.conditions = {}

    def physical_name(self, logical_id):
        """The name given on the command line, else the one the template gives, else the id."""
        if logical_id not in self.template["Resources"]:
            raise ResolveError("no resource " + logical_id)
        if logical_id in self.resources:
            return self.resources[logical_id]
        properties = self.template["Resources"][logical_id].get("Properties", {})
        for name_property in NAME_PROPERTIES:
            if name_property in properties:
                return self.resolve(properties[name_property])
        return logical_id

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Parameters", {}):
            raise ResolveError("parameter " + name + " has no value and no default")
        return self.physical_name(name)

    def arn(self, logical_id):
        kind = self.template["Resources"][logical_id]["Type"]
        name = self.physical_name(logical_id)
        region, account = self.pseudo["AWS::Region"], self.pseudo["AWS::AccountId"]
        arns = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{account}:function:{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{account}:log-group:{name}:*",
            "AWS::IAM::Role": f"arn:aws:iam::{account}:role/{name}",
        }
        if kind not in arns:
            raise ResolveError(f"no ARN known for {logical_id} ({kind})")
        return arns[kind]

    def get_att(self, logical_id, attribute):
        if attribute == "Arn":
            return self.arn(logical_id)
        raise ResolveError(f"attribute {logical_id}.{attribute} is not known here")

    def condition(self, name):
        if name not in self.conditions:
            declared = self.template.get("Conditions", {})
            if name not in declared:
                raise ResolveError("no condition " + name)
            self.conditions[name] = bool(self.resolve(declared[name]))
        return self.conditions[name]

    def substitute(self, text, variables):
        def replace(match):
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression:
                logical_id, attribute = expression.split(".", 1)
                return self.get_att(logical_id, attribute)
            return str(self.ref(expression))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value):
        if isinstance(value, list):
            resolved = [self.resolve(item) for item in value]
            return [item for item in resolved if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else self.ref(argument)
            if key == "Fn::GetAtt":
                return self.get_att(*argument)
            if key == "Fn::Sub":
                if isinstance(argument, list):
                    text, variables = argument
                    return self.substitute(text, {k: self.resolve(v) for k, v in variables.items()})
                return self.substitute(argument, {})
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.resolve(items))
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = self.resolve(argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(argument))
            if key == "Fn::Or":
                return any(self.resolve(argument))
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = argument
                return self.resolve(text).split(separator)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}


NO_VALUE = object()
NAME_PROPERTIES = ("BucketName", "TableName", "FunctionName", "LogGroupName", "RoleName")


def role_policies(resolver):
    """{role or managed policy logical id: [statement, ...]} over inline policies, attached
    RolePolicy resources and managed policies."""
    resources = resolver.template["Resources"]
    statements = {}

    def add(role, document):
        listed = document["Statement"]
        statements[role].extend(listed if isinstance(listed, list) else [listed])

    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Policy":
            raise ResolveError(f"{logical_id}: {resource['Type']} is not read here; attach "
                               "policies inline or as AWS::IAM::RolePolicy")
        # A managed policy stands for whoever it is attached to outside the stack (the portal).
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            statements[logical_id] = []
            add(logical_id, resolver.resolve(resource["Properties"]["PolicyDocument"]))
        if "ManagedPolicyArns" in resource.get("Properties", {}):
            raise ResolveError(f"{logical_id}: managed policies are not read here")
        if resource["Type"] == "AWS::IAM::Role":
            statements[logical_id] = []
            for policy in resource.get("Properties", {}).get("Policies", []):
                add(logical_id, resolver.resolve(policy["PolicyDocument"]))
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::RolePolicy":
            continue
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        role = resource["Properties"]["RoleName"]
        if not (isinstance(role, dict) and "Ref" in role and role["Ref"] in statements):
            raise ResolveError(f"{logical_id}: RoleName must be a Ref to a role of the template")
        add(role["Ref"], resolver.resolve(resource["Properties"]["PolicyDocument"]))
    return {role: {"Version": "2012-10-17", "Statement": listed} for role, listed in statements.items()}


def assignments(pairs, option):
    result = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise ResolveError(f"{option} {pair}: expected NAME=VALUE")
        result[name] = value
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--parameter", action="append", default=[])
    parser.add_argument("--resource", action="append", default=[])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account", default="123456789012")
    parser.add_argument("--stack-name", default="bulkqa")
    parser.add_argument("--stack-uuid", default=DEFAULT_STACK_UUID)
    parser.add_argument("--output")
    arguments = parser.parse_args()
    try:
        with open(arguments.template, encoding="utf-8") as file:
            template = yaml.load(file, Loader=template_loader())
        resolver = Resolver(
            template,
            assignments(arguments.parameter, "--parameter"),
            assignments(arguments.resource, "--resource"),
            arguments.region,
            arguments.account,
            arguments.stack_name,
            arguments.stack_uuid,
        )
        policies = role_policies(resolver)
    except (ResolveError, OSError, yaml.YAMLError, KeyError, ValueError) as error:
        print(f"template_policies: {arguments.template}: {error}", file=sys.stderr)
        return 1
    text = json.dumps(policies, indent=2, sort_keys=True)
    if arguments.output:
        with open(arguments.output, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
