import type { ApiKeyCreate, ApiKeyCreated, Role } from '@infrapilot/protocol';
import { KeyRound } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { CopyableText } from '../../components/ui/copy-button';
import { Dialog, DialogContent, DialogDoneFooter, DialogTrigger } from '../../components/ui/dialog';
import { OneTimeSecret } from '../users/one-time-secret';
import { CreateApiKeyForm } from './create-api-key-form';

export interface CreateApiKeyDialogProps {
  /** The roles the person may put on a key: at most their own. */
  roles: readonly Role[];
  onCreate: (input: ApiKeyCreate) => Promise<ApiKeyCreated>;
  /** Where the server answers, for the example request. */
  origin: string;
}

/** Creates a key and shows its secret once; closing the dialog forgets the secret for good. */
export function CreateApiKeyDialog({ roles, onCreate, origin }: CreateApiKeyDialogProps) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setCreated(null);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <KeyRound className="h-4 w-4" aria-hidden />
          Create API key
        </Button>
      </DialogTrigger>
      {created ? (
        <DialogContent title={`API key "${created.apiKey.name}" created`}>
          <div className="grid grid-cols-[minmax(0,1fr)] gap-4">
            <OneTimeSecret
              label="API key"
              secret={created.secret}
              warning="Copy it now — it is not shown again. InfraPilot keeps only a hash of it; if you lose it, revoke it and create another."
            />
            <div className="grid grid-cols-[minmax(0,1fr)] gap-2">
              <p className="text-sm font-medium">Try it</p>
              <CopyableText label="Example request" text={`curl -H "Authorization: Bearer ${created.secret}" ${origin}/api/v1/auth/me`} />
            </div>
          </div>
          <DialogDoneFooter />
        </DialogContent>
      ) : (
        <DialogContent title="Create an API key" description="A key lets a script or CI job act in this organization with the role you choose.">
          <CreateApiKeyForm roles={roles} onCreate={async (input) => setCreated(await onCreate(input))} />
        </DialogContent>
      )}
    </Dialog>
  );
}
