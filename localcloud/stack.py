"""Builds the resources of template.yaml in moto, the way CloudFormation would name them."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

from localcloud.lambda_runtime import FunctionSpec, InProcessLambda, code_path
from localcloud.template import ROOT, Resolver, resources_of_type, substitute_definition


@dataclass
class Stack:
    name: str
    region: str
    account_id: str
    resolver: Resolver
    tables: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # logical id -> KMS key ARN
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    buckets: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    ses_identities: list[str] = field(default_factory=list)
    # provider (from the secret's arrears:webhook-provider tag) -> secret ARN
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    event_buses: dict[str, str] = field(default_factory=dict)
    http_routes: list[HttpRoute] = field(default_factory=list)
    user_pools: dict[str, str] = field(default_factory=dict)  # logical id -> pool id


@dataclass(frozen=True)
class JwtAuthorizer:
    """An HTTP API's JWT authorizer, as the template configures it."""

    issuer: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class HttpRoute:
    """An HttpApi event of a function: what API Gateway would send it."""

    method: str
    path: str  # with {placeholders}, as in the template
    function: FunctionSpec
    authorizer: JwtAuthorizer | None = None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method.upper() != self.method.upper():
            return None
        pattern = self.path.strip("/").split("/")
        parts = path.split("?")[0].strip("/").split("/")
        if len(pattern) != len(parts):
            return None
        params = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{") and want.endswith("}"):
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in process; see localcloud/lambda_runtime.py")
    return buffer.getvalue()


def _check_parameter(name: str, spec: dict, value: str) -> None:
    """The constraints CloudFormation checks before it changes anything."""
    allowed = [str(v) for v in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{name} must be a number, not {value!r}") from None
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise ValueError(f"{name} must be between {low} and {high}, not {value}")


def check_overrides(template: dict, overrides: dict[str, str] | None) -> None:
    """Refuse, as CloudFormation would before it changes anything, a value the template does not take."""
    declared = template.get("Parameters", {})
    unknown = sorted(set(overrides or {}) - set(declared))
    if unknown:
        raise ValueError(f"the template declares no parameter {', '.join(unknown)}")
    for name, value in (overrides or {}).items():
        _check_parameter(name, declared[name], str(value))


def deploy(
    template: dict,
    clients,
    stack_name: str,
    region: str,
    account_id: str,
    runtime: InProcessLambda,
    overrides: dict[str, str] | None = None,
) -> Stack:
    """`overrides` are what `sam deploy --parameter-overrides` passes: values for declared parameters."""
    check_overrides(template, overrides)
    declared = template.get("Parameters", {})
    parameters = {k: str(v.get("Default", "")) for k, v in declared.items()} | {
        k: str(v) for k, v in (overrides or {}).items()
    }
    resolver = Resolver(stack_name, region, account_id, parameters)
    stack = Stack(stack_name, region, account_id, resolver)
    _keys(template, clients("kms"), stack)  # everything at rest names the stack's keys: they come first
    _queues(template, clients("sqs"), stack)
    _tables(template, clients("dynamodb"), stack)
    _buckets(template, clients("s3"), stack)
    _bucket_policies(template, stack)
    _passive(template, stack)
    _secrets(template, clients("secretsmanager"), stack)
    _event_buses(template, clients("events"), stack)
    _user_pools(template, clients("cognito-idp"), stack)
    for identity in stack.ses_identities:  # what CloudFormation's EmailIdentity does, minus the DNS
        clients("ses").verify_email_identity(EmailAddress=identity)
    _state_machine_names(template, stack)  # functions may start workflows: their ARNs come first
    _functions(template, clients("lambda"), clients("iam"), stack, runtime)
    _state_machines(template, clients("stepfunctions"), stack)
    _event_rules(template, clients("events"), stack)
    stack.outputs = {k: str(resolver.resolve(v["Value"])) for k, v in template.get("Outputs", {}).items()}
    return stack


def _keys(template: dict, kms, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::KMS::Key").items():
        props = stack.resolver.resolve(resource.get("Properties", {}))
        kwargs = {"Policy": json.dumps(props["KeyPolicy"])} if "KeyPolicy" in props else {}
        key = kms.create_key(
            Description=props.get("Description", ""),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            **kwargs,
        )["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
        stack.keys[logical] = key["Arn"]
        stack.resolver.refs[logical] = key["KeyId"]  # Ref of a key is its id
        stack.resolver.attributes[(logical, "Arn")] = key["Arn"]
        stack.resolver.attributes[(logical, "KeyId")] = key["KeyId"]
    for logical, resource in resources_of_type(template, "AWS::KMS::Alias").items():
        props = stack.resolver.resolve(resource["Properties"])
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        stack.resolver.refs[logical] = props["AliasName"]


def _queues(template: dict, sqs, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::SQS::Queue").items():
        props = stack.resolver.resolve(resource.get("Properties", {}))
        name = props.pop("QueueName", None) or f"{stack.name}-{logical}"
        attributes = {k: str(v) for k, v in props.items() if k != "Tags"}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        stack.queues[logical] = url
        stack.resolver.refs[logical] = url  # Ref of a queue is its URL
        stack.resolver.attributes[(logical, "Arn")] = arn
        stack.resolver.attributes[(logical, "QueueName")] = name
        stack.resolver.attributes[(logical, "QueueUrl")] = url


def _tables(template: dict, dynamodb, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        props = stack.resolver.resolve(resource["Properties"])
        name = props.get("TableName") or f"{stack.name}-{logical}"
        kwargs = {
            k: props[k]
            for k in (
                "AttributeDefinitions",
                "KeySchema",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "BillingMode",
            )
            if k in props
        }
        if sse := props.get("SSESpecification"):  # CloudFormation spells it SSEEnabled, the API Enabled
            kwargs["SSESpecification"] = {
                "Enabled": bool(sse.get("SSEEnabled")),
                **{k: sse[k] for k in ("SSEType", "KMSMasterKeyId") if k in sse},
            }
        dynamodb.create_table(TableName=name, **kwargs)
        if ttl := props.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        if pitr := props.get("PointInTimeRecoverySpecification"):
            dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
        stack.tables[logical] = name
        stack.resolver.refs[logical] = name
        stack.resolver.attributes[(logical, "Arn")] = (
            f"arn:aws:dynamodb:{stack.region}:{stack.account_id}:table/{name}"
        )


def _buckets(template: dict, s3, stack: Stack) -> None:
    """Encryption, public access block, ownership and versioning as configured; access logging and
    lifecycle rules are passed over (moto delivers no access logs and runs no lifecycle)."""
    buckets = resources_of_type(template, "AWS::S3::Bucket")
    for logical, resource in buckets.items():  # names first: a bucket may name another (its log bucket)
        name = stack.resolver.resolve(resource.get("Properties", {}).get("BucketName"))
        name = name or f"{stack.name}-{logical}".lower()
        stack.resolver.refs[logical] = name
        stack.resolver.attributes[(logical, "Arn")] = f"arn:aws:s3:::{name}"
    for logical, resource in buckets.items():
        props = stack.resolver.resolve(resource.get("Properties", {}))
        name = stack.resolver.refs[logical]
        kwargs = (
            {}
            if stack.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": stack.region}}
        )
        s3.create_bucket(Bucket=name, **kwargs)
        if encryption := props.get("BucketEncryption"):  # CloudFormation's shape -> the API's
            rules = [
                {
                    k.replace("ServerSideEncryptionByDefault", "ApplyServerSideEncryptionByDefault"): v
                    for k, v in rule.items()
                }
                for rule in encryption["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if block := props.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
        if ownership := props.get("OwnershipControls"):
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
        if versioning := props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
        if (
            props.get("NotificationConfiguration", {})
            .get("EventBridgeConfiguration", {})
            .get("EventBridgeEnabled")
        ):
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
        stack.buckets[logical] = name


def _bucket_policies(template: dict, stack: Stack) -> None:
    """Passed over: moto enforces a bucket policy's Deny but ignores its Condition, so the deny of
    non-TLS requests would refuse every local call. The policies are checked in tests/contract."""
    for logical, resource in resources_of_type(template, "AWS::S3::BucketPolicy").items():
        stack.resolver.refs[logical] = stack.resolver.resolve(resource["Properties"]["Bucket"])


def _passive(template: dict, stack: Stack) -> None:
    """Resources moto has no use for locally (roles, policies, log groups, layers, schedules): names only."""
    for logical, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind == "AWS::Logs::LogGroup":
            group = stack.resolver.resolve(resource["Properties"].get("LogGroupName", logical))
            stack.resolver.refs[logical] = group
            stack.resolver.attributes[(logical, "Arn")] = (
                f"arn:aws:logs:{stack.region}:{stack.account_id}:log-group:{group}:*"
            )
        elif kind == "AWS::IAM::ManagedPolicy":
            stack.resolver.refs[logical] = f"arn:aws:iam::{stack.account_id}:policy/{stack.name}-{logical}"
        elif kind == "AWS::IAM::Role":
            stack.resolver.refs[logical] = f"{stack.name}-{logical}"
            stack.resolver.attributes[(logical, "Arn")] = (
                f"arn:aws:iam::{stack.account_id}:role/{stack.name}-{logical}"
            )
        elif kind == "AWS::SES::EmailIdentity":
            identity = stack.resolver.resolve(resource["Properties"]["EmailIdentity"])
            stack.resolver.refs[logical] = identity
            stack.ses_identities.append(identity)
        elif kind == "AWS::Serverless::HttpApi":
            stack.resolver.refs[logical] = f"local-{logical.lower()}"
        elif kind == "AWS::Serverless::LayerVersion":
            stack.resolver.refs[logical] = (
                f"arn:aws:lambda:{stack.region}:{stack.account_id}:layer:{logical}:1"
            )


def _generated(spec: dict | None) -> str:
    """What CloudFormation's GenerateSecretString makes: the template with a random string at its key."""
    if not spec:
        return "{}"
    import json
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "GenerateStringKey" not in spec:
        return value
    return json.dumps(
        {**json.loads(spec.get("SecretStringTemplate", "{}")), spec["GenerateStringKey"]: value}
    )


def _secrets(template: dict, secretsmanager, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::SecretsManager::Secret").items():
        props = stack.resolver.resolve(resource.get("Properties", {}))
        tags = props.get("Tags", [])
        arn = secretsmanager.create_secret(
            Name=props.get("Name") or f"{stack.name}-{logical}",
            Description=props.get("Description", ""),
            SecretString=props.get("SecretString") or _generated(props.get("GenerateSecretString")),
            Tags=tags,
            **({"KmsKeyId": props["KmsKeyId"]} if "KmsKeyId" in props else {}),
        )["ARN"]
        stack.resolver.refs[logical] = arn  # Ref of a secret is its ARN
        for tag in tags:
            if tag["Key"] == "arrears:webhook-provider":
                stack.webhook_secrets[tag["Value"]] = arn


def _event_buses(template: dict, events, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::Events::EventBus").items():
        name = stack.resolver.resolve(resource["Properties"]["Name"])
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        stack.event_buses[logical] = name
        stack.resolver.refs[logical] = name
        stack.resolver.attributes[(logical, "Arn")] = arn


def _user_pools(template: dict, cognito, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::Cognito::UserPool").items():
        props = stack.resolver.resolve(resource.get("Properties", {}))
        kwargs = {
            k: props[k] for k in ("Policies", "AdminCreateUserConfig", "MfaConfiguration") if k in props
        }
        pool = cognito.create_user_pool(
            PoolName=props.get("UserPoolName") or f"{stack.name}-{logical}", **kwargs
        )
        pool_id = pool["UserPool"]["Id"]
        stack.user_pools[logical] = pool_id
        stack.resolver.refs[logical] = pool_id
        stack.resolver.attributes[(logical, "Arn")] = pool["UserPool"]["Arn"]
    for logical, resource in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = stack.resolver.resolve(resource["Properties"])
        client = cognito.create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName") or f"{stack.name}-{logical}",
            GenerateSecret=bool(props.get("GenerateSecret", False)),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
        )
        stack.resolver.refs[logical] = client["UserPoolClient"]["ClientId"]


def _authorizer(template: dict, stack: Stack, event: dict) -> JwtAuthorizer | None:
    """The JWT authorizer API Gateway puts in front of a route: the event's own, or its API's default."""
    api = template["Resources"].get((event["Properties"].get("ApiId") or {}).get("Ref", ""), {})
    auth = api.get("Properties", {}).get("Auth", {})
    name = (event["Properties"].get("Auth") or {}).get("Authorizer") or auth.get("DefaultAuthorizer")
    if not name or name == "NONE":
        return None
    config = stack.resolver.resolve(auth["Authorizers"][name]["JwtConfiguration"])
    return JwtAuthorizer(str(config["issuer"]), tuple(str(a) for a in config["audience"]))


def _functions(template: dict, awslambda, iam, stack: Stack, runtime: InProcessLambda) -> None:
    role = iam.create_role(
        # one per stack, as CloudFormation names them: IAM is global to the account, and two
        # stacks deployed in one process (a test's own beside the session's) must not collide
        RoleName=f"{stack.name}-execution",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    defaults = template.get("Globals", {}).get("Function", {})
    layers = {
        logical: code_path(r["Properties"]["ContentUri"])
        for logical, r in resources_of_type(template, "AWS::Serverless::LayerVersion").items()
    }
    functions = resources_of_type(template, "AWS::Serverless::Function")
    for logical in functions:  # names first: environments may refer to other functions
        name = f"{stack.name}-{logical}"
        stack.resolver.refs[logical] = name
        stack.resolver.attributes[(logical, "Arn")] = (
            f"arn:aws:lambda:{stack.region}:{stack.account_id}:function:{name}"
        )
    for logical, resource in functions.items():
        props = {**defaults, **resource["Properties"]}
        environment = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **resource["Properties"].get("Environment", {}).get("Variables", {}),
        }
        environment = {k: str(v) for k, v in stack.resolver.resolve(environment).items()}
        for key, value in environment.items():
            if stack.environment.setdefault(key, value) != value:
                raise ValueError(f"{key} differs between functions; in-process Lambdas share one environment")
        layer_paths = [
            layers[layer["Ref"]] for layer in props.get("Layers", []) if layer.get("Ref") in layers
        ]
        spec = FunctionSpec(
            logical_id=logical,
            name=stack.resolver.refs[logical],
            arn=stack.resolver.attributes[(logical, "Arn")],
            handler=props["Handler"],
            code_uri=code_path(props["CodeUri"]),
            layers=layer_paths,
            memory_mb=int(props.get("MemorySize", 128)),
            timeout_s=int(props.get("Timeout", 3)),
        )
        awslambda.create_function(
            FunctionName=spec.name,
            Runtime=props.get("Runtime", "python3.12"),
            Role=role,
            Handler=spec.handler,
            Code={"ZipFile": _dummy_zip()},
            Environment={"Variables": environment},
            MemorySize=spec.memory_mb,
            Timeout=spec.timeout_s,
            Architectures=props.get("Architectures", ["arm64"]),
        )
        runtime.register(spec)
        stack.functions[logical] = spec
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                stack.http_routes.append(
                    HttpRoute(
                        event["Properties"]["Method"],
                        event["Properties"]["Path"],
                        spec,
                        _authorizer(template, stack, event),
                    )
                )


def _state_machine_names(template: dict, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::Serverless::StateMachine").items():
        name = stack.resolver.resolve(resource["Properties"].get("Name")) or f"{stack.name}-{logical}"
        arn = f"arn:aws:states:{stack.region}:{stack.account_id}:stateMachine:{name}"
        stack.resolver.refs[logical] = arn
        stack.resolver.attributes[(logical, "Name")] = name
        stack.resolver.attributes[(logical, "Arn")] = arn


def _state_machines(template: dict, sfn, stack: Stack) -> None:
    for logical, resource in resources_of_type(template, "AWS::Serverless::StateMachine").items():
        props = resource["Properties"]
        name = stack.resolver.resolve(props.get("Name")) or f"{stack.name}-{logical}"
        definition = (ROOT / props["DefinitionUri"]).read_text()
        substitutions = {
            k: str(v) for k, v in stack.resolver.resolve(props.get("DefinitionSubstitutions", {})).items()
        }
        arn = sfn.create_state_machine(
            name=name,
            definition=substitute_definition(definition, substitutions),
            roleArn=f"arn:aws:iam::{stack.account_id}:role/{stack.name}-{logical}Role",
            type=props.get("Type", "STANDARD"),
        )["stateMachineArn"]
        stack.state_machines[logical] = arn
        stack.resolver.refs[logical] = arn
        stack.resolver.attributes[(logical, "Name")] = name
        stack.resolver.attributes[(logical, "Arn")] = arn


def _event_rules(template: dict, events, stack: Stack) -> None:
    """A state machine's EventBridgeRule events, as SAM makes them: a rule on the default bus whose
    target is the state machine (localcloud/event_rules.py delivers to it)."""
    for logical, resource in resources_of_type(template, "AWS::Serverless::StateMachine").items():
        for event_name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != "EventBridgeRule":
                continue
            pattern = stack.resolver.resolve(event["Properties"]["Pattern"])
            rule = f"{stack.name}-{logical}{event_name}"[:64]
            events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
            events.put_targets(
                Rule=rule, Targets=[{"Id": logical[:64], "Arn": stack.state_machines[logical]}]
            )
