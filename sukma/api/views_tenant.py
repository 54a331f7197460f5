"""A regency's own API, on its own host: for its admins and agency operators."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from sukma.api.permissions import WorksInThisRegency
from sukma.api.serializers import ErrorSerializer, RegencySelfSerializer


class CurrentRegencyView(APIView):
    permission_classes = [WorksInThisRegency]

    @extend_schema(
        tags=["regency"],
        summary="The regency whose host was called",
        responses={
            200: RegencySelfSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not signed in"),
            403: OpenApiResponse(ErrorSerializer, description="Does not work in this regency"),
        },
    )
    def get(self, request):
        return Response(RegencySelfSerializer(request.tenant).data)
