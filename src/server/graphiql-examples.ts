/** The Headers panel of the Together tabs: the request's provider (issue 19). */
const TOGETHER_HEADERS = JSON.stringify({ 'X-Provider': 'together' }, null, 2);

/**
 * GraphiQL's options: its title, and the operations it opens with (the whole journey of a new user,
 * one tab each, on the default provider, then on Together with its header set in the tab). A tab's
 * title is its first operation's name: all of them fit GraphiQL's tab strip in a 1280-px window, with
 * the page's own stylesheet (use-graphiql-page.ts); a new tab or a longer name must still fit
 * (test/browser/dashboard-zoom-layout.spec.ts: the last tab was hidden under the "+" button and the logo).
 */
export const GRAPHIQL_TABS: Array<{ query: string; variables?: string; headers?: string }> = [
  {
    // Lines of 42 characters at most: GraphiQL gives the editor half of the window, and at 1280 px
    // the longer ones were cut at its edge (dashboard trial). Monaco does not wrap them.
    query: `# Welcome! One GraphQL API in front of
# LoRA fine-tuning services (Nscale,
# Together AI). Run this (the ▶ button),
# then follow the tabs: dataset, estimate
# and job, the job list, live updates and
# webhooks; the last tabs run the journey
# on Together. The Docs panel (top left)
# describes every type and field. To watch
# jobs train as loss curves: /dashboard
query BaseModels {
  baseModels {
    id
    name
    organization
    contextLength
    supportedBatchSizes
  }
}
`,
  },
  {
    query: `# Uploading a CSV needs a multipart request, which GraphiQL cannot send.
# In a browser: the dashboard's new-job page (/dashboard#/new) uploads
# it; "Estimate the cost" there creates the dataset, and the Datasets
# page (/dashboard#/datasets) shows its id for the next tabs. With curl:
#
# curl http://localhost:4000/graphql \\
#   -F operations='{"query":"mutation($file: Upload!) { uploadFile(file: $file) { id name columns { name sampleValues } } }","variables":{"file":null}}' \\
#   -F map='{"0":["variables.file"]}' \\
#   -F 0=@examples/support-faq.csv
#
# Then create a dataset from the file id:
mutation CreateDataset($fileId: ID!) {
  createDataset(input: { name: "support answers", trainingFileId: $fileId }) {
    id
    name
    trainingFile { name columns { name type sampleValues } }
  }
}
`,
    variables: '{ "fileId": "paste the id from uploadFile" }',
  },
  {
    query: `query Estimate($datasetId: ID!) {
  costEstimate(input: {
    name: "first try"
    baseModelId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    dataset: { id: $datasetId, promptColumn: "question", answerColumn: "answer" }
    hyperparameters: { nEpochs: 2, batchSize: 8 }
  }) { tokens cost currency minimumApplied }
}

mutation CreateJob($datasetId: ID!) {
  createJob(input: {
    name: "first try"
    baseModelId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    dataset: { id: $datasetId, promptColumn: "question", answerColumn: "answer" }
    hyperparameters: { nEpochs: 2, batchSize: 8, lora: { r: 16, alpha: 16 } }
  }) { id status baseModel { name } }
}
`,
    variables: '{ "datasetId": "paste the id from createDataset" }',
  },
  {
    query: `query Jobs {
  jobs(first: 20) {
    totalCount
    edges {
      node {
        id name status createdAt
        baseModel { name }
        dataset { name }
        metrics { latest { step trainingLoss } bestValidationLoss }
        downloadUrl
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`,
  },
  {
    query: `# Pushed as the job changes; ends after its final status. GraphiQL
# sends it over SSE (an HTTP request, with the Headers panel); other
# clients may also use graphql-ws at ws://<host>/graphql.
subscription Watch($jobId: ID!) {
  jobUpdated(id: $jobId) {
    id status startedAt completedAt
    metrics { latest { step trainingLoss validationLoss } }
    error { code message }
  }
}
`,
    variables: '{ "jobId": "paste the id from createJob" }',
  },
  {
    query: `# Webhooks: the gateway POSTs a signed event to your server
# when a job changes, on either provider, with nobody else
# watching. A receiver must be https on a public address;
# for one on this machine, start the gateway with
#   WEBHOOK_ALLOWED_HOSTS=localhost npm start
# (only to try it: any caller may then make the gateway
# POST to this machine's ports) and run a receiver that
# prints each delivery:
#
# node -e "require('http').createServer((q,s)=>{let b='';q.on('data',c=>b+=c).on('end',()=>{console.log(q.headers['webhook-id'],b);s.end()})}).listen(8787)"
#
# Register it, then create a job (the estimate and job tab).
# The signing secret is shown this once: keep it to verify
# each delivery (the standardwebhooks package does).
mutation RegisterWebhook($url: String!) {
  createWebhookEndpoint(input: {
    url: $url
    events: [JOB_CREATED, JOB_RUNNING, JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED]
    description: "my server"
  }) {
    endpoint { id url events state }
    signingSecret
  }
}

# What was sent to it, and how each attempt went:
query Deliveries($endpointId: ID!) {
  webhookDeliveries(endpoint: $endpointId, first: 10) {
    edges {
      node {
        id eventType jobId state
        attempts { startedAt responseCode durationMs error }
      }
    }
  }
}
`,
    variables: '{ "url": "http://localhost:8787/hooks", "endpointId": "paste the endpoint id from RegisterWebhook" }',
  },
  {
    query: `# Together AI through the same API: every request names
# its provider with the X-Provider header. This tab sets it
# in the Headers panel below ({ "X-Provider": "together" });
# without it, a request runs on the default provider (the
# first one listed here). A Together API key goes as
# "Authorization": "Bearer <key>" beside it (the embedded
# simulator needs none). Subscriptions too: GraphiQL sends
# them over SSE with this panel's headers (a graphql-ws
# client names it in connectionParams.provider). Run this to
# see what each provider can do; TogetherModels lists
# Together's models.
query Providers {
  providers {
    name
    isDefault
    capabilities {
      priceEstimate datasets huggingFaceExport cancel
      checkpoints events dpo fullTraining
    }
  }
}

# Each model's own limits of a job's settings, for a form's hints and checks
query TogetherModels {
  baseModels {
    id name contextLength supportedBatchSizes
    hyperparameterLimits {
      nEpochs { min max default }
      learningRate { min max default }
      batchSize { min max default }
      lora { r { min max default } }
    }
  }
}
`,
    headers: TOGETHER_HEADERS,
  },
  {
    query: `# Together has no datasets: a job trains on the uploaded
# files, named in "files" (their ids from uploadFile). A CSV
# is converted to samples on upload; csvColumns names the
# prompt and answer columns (default: prompt, answer). With
# curl (or the dashboard's new-job page, provider Together;
# Together refuses a CSV with an unusable row, such as
# support-faq.csv's last, so this one leaves it out):
#
# curl http://localhost:4000/graphql -H 'X-Provider: together' \\
#   -F operations='{"query":"mutation($file: Upload!, $columns: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $columns) { id name } }","variables":{"file":null,"columns":{"promptColumn":"question"}}}' \\
#   -F map='{"0":["variables.file"]}' \\
#   -F 0=@examples/support-faq-usable.csv
#
# The job's name becomes its model's suffix: letters,
# digits, "-", "_" and "." only.
query TogetherEstimate($fileId: ID!) {
  costEstimate(input: {
    name: "first-try"
    baseModelId: "meta-llama/Llama-3.2-3B-Instruct"
    files: { trainingFileId: $fileId }
    hyperparameters: { nEpochs: 2, batchSize: 8 }
  }) { tokens trainingTokens cost currency allowedToProceed reason }
}

mutation TogetherCreateJob($fileId: ID!) {
  createJob(input: {
    name: "first-try"
    baseModelId: "meta-llama/Llama-3.2-3B-Instruct"
    files: { trainingFileId: $fileId }
    hyperparameters: { nEpochs: 2, batchSize: 8, lora: { r: 16, alpha: 16 } }
  }) { id provider status baseModel { name } }
}
`,
    variables: '{ "fileId": "paste the id from uploadFile" }',
    headers: TOGETHER_HEADERS,
  },
  {
    query: `# A Together job as it trains (the same subscription as on
# Nscale; its id starts with "together:"), with what only
# Together keeps: its event log and checkpoints.
subscription WatchTogether($jobId: ID!) {
  jobUpdated(id: $jobId) {
    id status completedAt downloadUrl
    metrics { latest { step trainingLoss validationLoss } }
    events { createdAt type message }
    checkpoints { step label final }
    error { code message }
  }
}
`,
    variables: '{ "jobId": "paste the id from createJob" }',
    headers: TOGETHER_HEADERS,
  },
];

/**
 * GraphiQL's page, rendered once by useGraphiQLPage. Subscriptions go over SSE: each one an HTTP
 * request carrying the tab's Headers panel (`X-Provider`, `Authorization`), as queries do. Over
 * graphql-ws GraphiQL sends an empty `connection_init` and never the panel's headers, so a tab's
 * subscription ran on the default provider, without the caller's credentials.
 */
export const GRAPHIQL = {
  title: 'Fine-tuning gateway',
  subscriptionsProtocol: 'SSE',
  defaultTabs: GRAPHIQL_TABS,
  defaultQuery: GRAPHIQL_TABS[0]!.query,
} as const;
