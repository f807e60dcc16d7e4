"""scripts/deploy.sh --dry-run: prints every command of a deployment, in order, and runs none."""
import os
import pathlib
import shlex
import subprocess
import tempfile
import unittest

SOURCE_DIR = pathlib.Path(
    os.environ.get("BULKQA_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SCRIPT = SOURCE_DIR / "scripts" / "deploy.sh"


def deploy(*arguments):
    return subprocess.run([str(SCRIPT), *arguments], capture_output=True, text=True, check=False)


class DeployDryRunTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.TemporaryDirectory()
        self.build_dir = pathlib.Path(self.work.name) / "build"
        self.images = pathlib.Path(self.work.name) / "photos"
        self.images.mkdir()

    def tearDown(self):
        self.work.cleanup()

    def dry_run(self, *arguments):
        result = deploy("--dry-run", "--build-dir", str(self.build_dir), *arguments)
        self.assertEqual(result.returncode, 0, result.stderr)
        return [shlex.split(line) for line in result.stdout.splitlines()]

    def test_prints_the_whole_deployment_in_order_and_runs_nothing(self):
        commands = self.dry_run("--bucket", "my-bucket", "--stack-name", "qa", "--region",
                                "eu-west-1", "--images", str(self.images), "--image-prefix",
                                "caltech101/", "--batch-size", "10", "--min-confidence", "90.5",
                                "--assume-event-role", "--images-in-place", "--concurrency", "256")
        self.assertFalse(self.build_dir.exists(), "a dry run must not configure a build")
        build = str(self.build_dir)
        self.assertEqual(commands[0][:6], ["cmake", "-S", ".", "-B", build, "-G"])
        self.assertIn("-DCMAKE_BUILD_TYPE=Release", commands[0])
        self.assertEqual(commands[1], ["cmake", "--build", build, "--target", "lambda-packages"])

        keys = {}
        for command, package in zip(commands[2:5], ["launch", "pre-labeling", "post-labeling"]):
            self.assertEqual(command[:5], ["aws", "--region", "eu-west-1", "s3", "cp"])
            self.assertEqual(command[5], f"{build}/dist/{package}.zip")
            self.assertTrue(command[6].startswith(f"s3://my-bucket/bulkqa/packages/{package}-"))
            keys[package] = command[6][len("s3://my-bucket/"):]
        self.assertEqual(commands[5], ["aws", "--region", "eu-west-1", "s3", "cp",
                                       "samples/smallsample.csv",
                                       "s3://my-bucket/bulkqa/corpus/smallsample.csv"])
        self.assertEqual(commands[6], ["aws", "--region", "eu-west-1", "s3", "sync",
                                       str(self.images), "s3://my-bucket/caltech101/"])

        deploy_command = commands[7]
        self.assertEqual(deploy_command[:4], ["aws", "--region", "eu-west-1", "cloudformation"])
        self.assertEqual(deploy_command[4], "deploy")
        self.assertEqual(deploy_command[deploy_command.index("--template-file") + 1],
                         "cloudformation/bulkqa.yaml")
        self.assertEqual(deploy_command[deploy_command.index("--stack-name") + 1], "qa")
        self.assertEqual(deploy_command[deploy_command.index("--capabilities") + 1],
                         "CAPABILITY_IAM")
        overrides = dict(item.split("=", 1) for item in
                         deploy_command[deploy_command.index("--parameter-overrides") + 1:])
        self.assertEqual(overrides, {
            "LaunchBucket": "my-bucket",
            "LaunchPackageKey": keys["launch"],
            "PreLabelingPackageKey": keys["pre-labeling"],
            "PostLabelingPackageKey": keys["post-labeling"],
            "LabelCorpusKey": "bulkqa/corpus/smallsample.csv",
            "ImageSourceBucket": "my-bucket",
            "ImageSourcePrefix": "caltech101/",
            "TableName": "bulkqa-images",
            "QABatchSize": "10",
            "MinConfidence": "90.5",
            "Architecture": "x86_64" if os.uname().machine == "x86_64" else "arm64",
            "AssumeEventRole": "true",
            "CopyImages": "false",
            "Concurrency": "256",
        })
        self.assertEqual(commands[8][:5],
                         ["aws", "--region", "eu-west-1", "cloudformation", "describe-stacks"])
        self.assertEqual(len(commands), 9)

    def test_every_parameter_it_overrides_is_one_of_the_template(self):
        commands = self.dry_run("--bucket", "b")
        deploy_command = next(c for c in commands if c[1:3] == ["cloudformation", "deploy"])
        overrides = deploy_command[deploy_command.index("--parameter-overrides") + 1:]
        template = (SOURCE_DIR / "cloudformation" / "bulkqa.yaml").read_text()
        parameters = template[template.index("\nParameters:"):template.index("\nConditions:")]
        for override in overrides:
            self.assertIn(f"\n  {override.split('=', 1)[0]}:\n", parameters)

    def test_defaults_need_only_the_bucket(self):
        commands = self.dry_run("--bucket", "b")
        self.assertFalse(any(c[1] == "--region" for c in commands if c[0] == "aws"))
        self.assertFalse(any("sync" in c for c in commands))
        deploy_command = next(c for c in commands if c[1:3] == ["cloudformation", "deploy"])
        self.assertIn("ImageSourceBucket=b", deploy_command)
        self.assertIn("AssumeEventRole=false", deploy_command)
        self.assertIn("CopyImages=true", deploy_command)
        self.assertIn("Concurrency=64", deploy_command)
        self.assertIn("--stack-name", deploy_command)
        self.assertEqual(deploy_command[deploy_command.index("--stack-name") + 1], "bulkqa")

    def test_bad_options_are_refused_naming_them(self):
        for arguments, named in [((), "--bucket"),
                                 (("--bucket", "b", "--frob"), "--frob"),
                                 (("--bucket", "b", "--corpus", "missing.csv"), "missing.csv"),
                                 (("--bucket", "b", "--batch-size", "ten"), "--batch-size"),
                                 (("--bucket", "b", "--concurrency", "0"), "--concurrency"),
                                 (("--bucket", "b", "--concurrency", "1025"), "--concurrency"),
                                 (("--bucket", "b", "--concurrency", "many"), "--concurrency"),
                                 (("--bucket",), "--bucket")]:
            result = deploy("--dry-run", *arguments)
            self.assertNotEqual(result.returncode, 0, arguments)
            self.assertIn(named, result.stderr, arguments)
            self.assertEqual(result.stdout, "", arguments)


if __name__ == "__main__":
    unittest.main()
